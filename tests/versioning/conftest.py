"""Fixtures of the versioning tests."""

from __future__ import annotations

import pytest

from qualityscore.standard.registry import ENV_VAR

pytest.register_assert_rewrite("versioning.helpers")  # its golden-case asserts show their diffs


@pytest.fixture(autouse=True)
def _no_env_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the folders they make (and the bundled standards), never the caller's."""
    monkeypatch.delenv(ENV_VAR, raising=False)
