"""`ignacio workspaces ...` and `ignacio users create --workspace`, as an operator types them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def ignacio(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IGNACIO_", "JWT_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "ignacio.entrypoints", *arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_operator_sets_up_a_second_workspace_from_the_shell(tmp_path: Path) -> None:
    created = ignacio(tmp_path, "workspaces", "create", "Clínica Sol", "--admin", "+34612345678")
    assert created.returncode == 0, created.stderr
    assert "Created workspace clinica-sol (Clínica Sol)" in created.stdout
    assert "+34612345678 is its admin." in created.stdout

    updated = ignacio(
        tmp_path, "workspaces", "update", "clinica-sol", "--name", "Sol", "--access", "registered"
    )
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.startswith("clinica-sol\tSol\tregistered\t")

    agent = ignacio(
        tmp_path,
        "workspaces",
        "add-member",
        "clinica-sol",
        "--phone",
        "+34612345679",
        "--role",
        "agent",
    )
    assert agent.returncode == 0, agent.stderr
    assert "+34612345679 is agent of clinica-sol." in agent.stdout
    member = ignacio(
        tmp_path, "users", "create", "--phone", "+34612345670", "--workspace", "clinica-sol"
    )
    assert member.returncode == 0, member.stderr

    listed = ignacio(tmp_path, "workspaces", "list")
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[:3] for line in listed.stdout.splitlines()] == [
        ["default", "Action Lab", "deployment's access"],
        ["clinica-sol", "Sol", "registered"],
    ]

    nowhere = ignacio(tmp_path, "workspaces", "add-member", "nowhere", "--phone", "+34612345671")
    assert nowhere.returncode == 1
    assert "There is no such workspace." in nowhere.stderr
    taken = ignacio(tmp_path, "workspaces", "create", "Another", "--slug", "clinica-sol")
    assert taken.returncode == 1
    assert "already called 'clinica-sol'" in taken.stderr
