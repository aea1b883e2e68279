"""The README's first command, as a newcomer tries it: a real `ignacio serve` process on the
embedded defaults, a login code read from what the console channel prints, a chat with the
offline assistant, a restart, and everything still there."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PHONE = "+34612345678"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def ignacio_serve(workdir: Path, port: int) -> Iterator[tuple[httpx.Client, Path]]:
    """A server whose working directory is `workdir`, as if started there with `ignacio serve`."""
    stdout = workdir / f"stdout-{time.monotonic_ns()}.log"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IGNACIO_", "JWT_"))
    }
    with stdout.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ignacio.entrypoints", "serve", "--port", str(port)],
            cwd=workdir,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, stdout.read_text()
            assert time.monotonic() < deadline, stdout.read_text()
            time.sleep(0.1)
        yield client, stdout
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=15)


def printed_code(stdout: Path) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        codes: list[str] = re.findall(
            r"\[whatsapp -> \+34612345678\] Your Ignacio login code is (\d{6})", stdout.read_text()
        )
        if codes:
            return codes[-1]
        time.sleep(0.05)
    raise AssertionError(f"no code was printed:\n{stdout.read_text()}")


def test_log_in_chat_restart_and_find_everything(tmp_path: Path) -> None:
    port = free_port()
    with ignacio_serve(tmp_path, port) as (client, stdout):
        assert client.post("/auth/request-otp", json={"phoneNumber": PHONE}).status_code == 200
        login = client.post(
            "/auth/verify-otp", json={"phoneNumber": PHONE, "code": printed_code(stdout)}
        ).json()
        headers = {"Authorization": f"Bearer {login['accessToken']}"}
        conversation = client.post("/conversations", json={}, headers=headers).json()
        turn = client.post(
            f"/conversations/{conversation['id']}/messages",
            json={"content": "Hello Ignacio"},
            headers=headers,
        ).json()
        assert "OPENAI_API_KEY" in turn["reply"]["content"]
        log = stdout.read_text()
        assert "request_id=" in log
        assert login["refreshToken"] not in log

    assert (tmp_path / "var" / "ignacio.db").exists()
    assert (tmp_path / "var" / "keys" / "phone.key").stat().st_mode & 0o777 == 0o600
    assert PHONE.encode() not in (tmp_path / "var" / "ignacio.db").read_bytes()

    with ignacio_serve(tmp_path, port) as (client, _):
        # The same token still works: the keys were kept in the data directory.
        messages = client.get(
            f"/conversations/{conversation['id']}/messages",
            params={"order": "asc"},
            headers=headers,
        ).json()
        assert [m["content"] for m in messages["items"]] == [
            "Hello Ignacio",
            turn["reply"]["content"],
        ]
        refreshed = client.post("/auth/refresh", json={"refreshToken": login["refreshToken"]})
        assert refreshed.status_code == 200


def test_first_admin_from_the_command_line(tmp_path: Path) -> None:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IGNACIO_", "JWT_"))
    }
    command = [
        sys.executable,
        "-m",
        "ignacio.entrypoints",
        "users",
        "create",
        "--admin",
        "--phone",
        "+34 600 000 001",
        "--name",
        "Ana",
    ]
    created = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
    )
    again = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
    )
    as_member = subprocess.run(
        [*command[:5], "--phone", "+34 600 000 001"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    invalid = subprocess.run(
        [*command[:-4], "--phone", "12"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert created.returncode == 0, created.stderr
    assert "Created admin +34600000001" in created.stdout
    # Making an admin of a number that is one already changes nothing, and says so.
    assert again.returncode == 0, again.stderr
    assert "+34600000001 was a member already; now an admin" in again.stdout
    assert as_member.returncode == 1
    assert "already exists" in as_member.stderr
    assert invalid.returncode == 1
    assert "not a valid phone number" in invalid.stderr or "not a phone number" in invalid.stderr


def test_the_readme_order_log_in_first_then_become_the_first_admin(tmp_path: Path) -> None:
    """README, "Try it": log in with your number, then make that number the first admin."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IGNACIO_", "JWT_"))
    }
    port = free_port()
    with ignacio_serve(tmp_path, port) as (client, stdout):
        assert client.post("/auth/request-otp", json={"phoneNumber": PHONE}).status_code == 200
        login = client.post(
            "/auth/verify-otp", json={"phoneNumber": PHONE, "code": printed_code(stdout)}
        ).json()
        headers = {"Authorization": f"Bearer {login['accessToken']}"}
        assert client.get("/users", headers=headers).status_code == 403

        ignacio = [sys.executable, "-m", "ignacio.entrypoints", "users"]
        promoted = subprocess.run(
            [*ignacio, "create", "--admin", "--phone", "+34 612 345 678", "--name", "Ana"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert promoted.returncode == 0, promoted.stderr
        assert "+34612345678 was a member already; now an admin" in promoted.stdout

        # The rights are read on every request: the same session is an admin's now.
        users = client.get("/users", headers=headers)
        assert users.status_code == 200, users.text
        nobody = subprocess.run(
            [*ignacio, "promote", "--phone", "+34 699 999 999"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert nobody.returncode == 1
        assert "No member has the number +34699999999" in nobody.stderr


def test_converse_over_whatsapp_without_meta(tmp_path: Path) -> None:
    """`ignacio dev whatsapp` signs a Cloud API delivery; the console channel prints the answer."""
    port = free_port()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IGNACIO_", "JWT_"))
    }
    with ignacio_serve(tmp_path, port) as (_, stdout):
        sent = subprocess.run(
            [
                sys.executable,
                "-m",
                "ignacio.entrypoints",
                "dev",
                "whatsapp",
                "--from",
                "+15551234567",
                "--url",
                f"http://127.0.0.1:{port}",
                "hello from my phone",
            ],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert '"messages":1' in sent.stdout
        deadline = time.monotonic() + 10
        while "[whatsapp -> +15551234567] Hi Dev User!" not in stdout.read_text():
            assert time.monotonic() < deadline, stdout.read_text()
            time.sleep(0.1)
