"""The archive: content-addressed raw bytes (store.py) and the SQLite database (db.py)."""
