"""Prefect settings that must be in place before ``import prefect``."""

from __future__ import annotations

import os

from nianbao.config import Paths


def configure(paths: Paths) -> None:
    """Keep Prefect's state in the data folder and stop it calling home.

    Values already set in the environment win, so a user pointing at a real
    Prefect server (PREFECT_API_URL) keeps it.
    """
    paths.prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(paths.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
