"""The pre-commit hook runs `make test`'s lint steps for what a commit touches."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
HOOK = REPOSITORY / ".githooks" / "pre-commit"
CHECKS = ("lint", "typecheck", "layers", "web-check")
GIT = shutil.which("git") or "git"
MAKE = shutil.which("make") or "make"

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make"
)


def _make_targets(recipe: str) -> list[str]:
    line = re.search(rf"^{recipe}:(.*)$", (REPOSITORY / "Makefile").read_text(), re.MULTILINE)
    assert line is not None, recipe
    return line.group(1).split()


def test_the_hook_runs_checks_that_make_test_runs() -> None:
    assert set(CHECKS) <= set(_make_targets("test"))
    for check in CHECKS:
        assert check in HOOK.read_text()


def _repository(tmp_path: Path, failing: str | None = None) -> Path:
    """A repository whose Makefile records which checks ran (and fails `failing`)."""
    root = tmp_path / "clone"
    (root / "src").mkdir(parents=True)
    (root / "web").mkdir()
    rules = "".join(
        f"{check}:\n\t@echo ran {check}{'; exit 1' if check == failing else ''}\n"
        for check in CHECKS
    )
    (root / "Makefile").write_text(rules)
    git = [GIT, "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    return root


def _commit_hook(root: Path, *changed: str) -> subprocess.CompletedProcess[str]:
    for name in changed:
        (root / name).write_text("x = 1\n")
    subprocess.run([GIT, "-C", str(root), "add", *changed], check=True)
    return subprocess.run(
        [str(HOOK)], cwd=root, capture_output=True, text=True, check=False, timeout=60
    )


def test_a_python_change_runs_the_python_checks(tmp_path: Path) -> None:
    result = _commit_hook(_repository(tmp_path), "src/module.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["ran lint", "ran typecheck", "ran layers"]
    assert "web-check" not in result.stdout


def test_a_web_change_runs_the_web_checks(tmp_path: Path) -> None:
    result = _commit_hook(_repository(tmp_path), "web/App.tsx")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ran web-check"


def test_a_failing_check_stops_the_commit(tmp_path: Path) -> None:
    result = _commit_hook(_repository(tmp_path, failing="typecheck"), "src/module.py")
    assert result.returncode != 0
    assert "ran layers" not in result.stdout


def test_make_hooks_installs_the_hook_for_this_clone() -> None:
    result = subprocess.run(
        [MAKE, "-n", "hooks"], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )
    assert "git config core.hooksPath .githooks" in result.stdout
