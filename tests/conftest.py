"""Shared fixtures for the nanotwin test suite."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The project's shared reference data folder (``../shared/data`` beside the checkout)."""
    from nanotwin._paths import shared_data_dir

    return shared_data_dir()
