"""Shared fixtures. Prefect is configured here, before any test imports it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Prefect reads its settings at import: keep its state out of ~/.prefect and stop it calling
# home, for every test module.
_PREFECT_HOME = tempfile.mkdtemp(prefix="nianbao-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.pop("PREFECT_API_URL", None)

REPO = Path(__file__).resolve().parents[1]
# The team's reference folder beside the repository (NIANBAO_SHARED names another place).
SHARED = Path(os.environ.get("NIANBAO_SHARED") or REPO.parent / "shared")
SAMPLES = SHARED / "samples"
REAL = SHARED / "real"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The real reports in ../shared/samples (absent in a user's fresh clone: skip)."""
    if not (SAMPLES / "huaian-city-2024.pdf").is_file():
        pytest.skip(f"real samples not found at {SAMPLES} (they ship with ../shared, not the repo)")
    return SAMPLES


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The real CMS pages with truth JSON in ../shared/real (absent in a fresh clone: skip)."""
    if not (REAL / "pingtan-haitan-2025.json").is_file():
        pytest.skip(f"real pages not found at {REAL} (they ship with ../shared, not the repo)")
    return REAL
