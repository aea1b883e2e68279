"""The README's "Try it", as a newcomer follows it: every shell block, in order, against a real
`ignacio serve` on the embedded defaults (the code the console prints typed in where it says)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_newcomer import free_port, ignacio_serve, printed_code

REPOSITORY = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "bash"

pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash"
)


def try_it_blocks() -> list[str]:
    """The ```sh blocks of "Try it", in order, de-indented."""
    readme = (REPOSITORY / "README.md").read_text()
    section = readme[readme.index("### Try it") : readme.index("### The command line")]
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```", section, re.MULTILINE | re.DOTALL)
    return ["\n".join(line[len(indent) :] for line in body.splitlines()) for indent, body in blocks]


def test_the_try_it_blocks_run_as_written(tmp_path: Path) -> None:
    blocks = try_it_blocks()
    assert len(blocks) == 9, blocks
    request, chat, whatsapp, admin, workspace, knowledge, inbox, workflow, dashboard = blocks
    assert "CODE=123456" in chat
    port = free_port()
    # The README's commands, run from a checkout: `.venv/bin/ignacio` is this interpreter's.
    (tmp_path / ".venv").symlink_to(REPOSITORY / ".venv")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IGNACIO_", "JWT_"))
    } | {"IGNACIO_PORT": str(port)}

    def run(script: str) -> str:
        result = subprocess.run(
            [
                BASH,
                "-euo",
                "pipefail",
                "-c",
                script.replace("localhost:8000", f"localhost:{port}"),
            ],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, script + "\n" + result.stdout + result.stderr
        return result.stdout

    with ignacio_serve(tmp_path, port) as (_, stdout):
        assert "a code is on its way over WhatsApp" in run(request)
        code = printed_code(stdout)
        # One terminal, as a newcomer has: step 4's variables serve the admin block too.
        session = "\necho '#'\n".join(
            [
                chat.replace("CODE=123456", f"CODE={code}"),
                whatsapp,
                admin,
                workspace,
                knowledge,
                inbox,
                workflow,
                dashboard,
            ]
        )
        chatted, _, administered, renamed, known, handled, qualified, charted = run(session).split(
            "#\n"
        )
        assert chatted.splitlines()[0] == "curl"  # the device of the session just opened
        assert "OPENAI_API_KEY" in chatted  # the offline assistant says how to connect a model
        assert "**plan.md** says about that" in chatted  # and answers from the file it was sent
        assert "1 March" in chatted
        assert chatted.splitlines()[-1] in {"pending", "synced", "failed"}
        deadline = time.monotonic() + 10
        while "[whatsapp -> +34699111222]" not in stdout.read_text():
            assert time.monotonic() < deadline, stdout.read_text()
            time.sleep(0.1)
        printed = administered.splitlines()
        assert "+34612345678 was a member already; now an admin" in printed[0]
        assert printed[1:3] == ["True", "whatsapp"]
        assert printed[3].startswith(("user.", "conversation.", "file.", "allowlist."))
        assert renamed.splitlines() == [
            "Action Lab",
            "Sol",
            "Hi Ana! I'm Sol, Clínica Sol's assistant, running without an AI model, so I can't "
            "answer your message myself yet; it is saved in this conversation. I found nothing "
            "in your files about that.",
        ]
        uploaded, indexed, *answer = known.splitlines()
        assert (uploaded, indexed) == ("pending", "synced")
        assert answer[0] == "Here is what I found in Clínica Sol's knowledge base:"
        assert "**hours.md** (knowledge base)" in answer
        assert "> Opening hours The clinic opens on Saturdays from ten to two." in answer
        assert handled.splitlines() == ["human", "staff", "assistant"]
        deadline = time.monotonic() + 10
        while "Hi, this is Ana from the clinic" not in stdout.read_text():
            assert time.monotonic() < deadline, stdout.read_text()
            time.sleep(0.1)
        # The WhatsApp member qualified by the team's answers, and the answers exported.
        assert qualified.splitlines() == [
            "['Idea', 'Prototype']",
            "1",
            "True",
            "True",
            "phone,qualified,email,stage",
            "'+34699111222,yes,Marta@example.org,Idea",
        ]
        # Today's messages from members on the web, on the dashboard (a handful, counted).
        assert int(charted.strip()) >= 3
