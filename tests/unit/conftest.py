"""Use cases and domain rules, run on the memory adapter set with recording fakes at the edges."""

from __future__ import annotations

import pytest

from tests.support.system import System, build_system


@pytest.fixture
def system() -> System:
    return build_system()
