"""The console channel prints what would go out on WhatsApp, one readable block per message."""

from __future__ import annotations

import io

from ignacio.adapters.console import ConsoleChannel
from ignacio.domain import PhoneNumber, WhatsAppUserId

TO = PhoneNumber.parse("+34612345678")


async def test_a_login_code_is_one_line() -> None:
    out = io.StringIO()
    await ConsoleChannel(out).send_login_code(TO, "123456")
    assert out.getvalue() == (
        "[whatsapp -> +34612345678] Your Ignacio login code is 123456. "
        "It expires in a few minutes.\n"
    )


async def test_a_message_of_several_lines_is_indented_and_set_apart() -> None:
    out = io.StringIO()
    channel = ConsoleChannel(out)
    await channel.send_text(TO, "Hi!\n\nHere is what I found:\n> a passage")
    await channel.send_text(TO, "Bye")
    assert out.getvalue() == (
        "[whatsapp -> +34612345678] Hi!\n"
        "\n"
        "    Here is what I found:\n"
        "    > a passage\n"
        "\n"
        "[whatsapp -> +34612345678] Bye\n"
    )


async def test_someone_whose_number_is_hidden_is_named_by_their_user_id() -> None:
    out = io.StringIO()
    await ConsoleChannel(out).send_text(WhatsAppUserId("US.13491208655302741918"), "Hola")
    assert out.getvalue() == "[whatsapp -> US.13491208655302741918] Hola\n"
