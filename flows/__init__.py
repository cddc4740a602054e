"""Orchestration: plain stage functions (stages.py) and the Prefect flow (nightly.py)."""
