"""Embedded demo municipal sites: invented agencies, truth reports, TRS and Hanweb style sites.

``demo.corpus`` makes the truth reports, ``demo.render_*`` turn them into HTML, PDF and DOCX,
``demo.sites`` writes the sites to disk with ``truth.json``, ``demo.server`` serves them on
127.0.0.1 and ``demo.verify`` compares a pipeline run with the truth.
"""
