"""Phone numbers, the identity of every member."""

from __future__ import annotations

import msgspec
import phonenumbers

from ignacio.domain.errors import InvalidInput

_MAX_INPUT_LENGTH = 64


class PhoneNumber(msgspec.Struct, frozen=True, kw_only=True):
    """A phone number in E.164 form (`+` and up to 15 digits).

    Numbers people type must be valid (`parse`); numbers a provider gives us need only be
    possible (`from_provider`).
    """

    e164: str

    def __post_init__(self) -> None:
        if self.e164 != _normalise(self.e164, strict=False):
            raise InvalidInput(f"{self.e164!r} is not a phone number in E.164 form.")

    @classmethod
    def parse(cls, raw: str) -> PhoneNumber:
        """Read a number as a person types it: international form, spaces and dashes allowed."""
        return cls(e164=_normalise(raw))

    @classmethod
    def from_provider(cls, raw: str) -> PhoneNumber:
        """Read a number a messaging provider vouches for (WhatsApp's `wa_id`): it only has to be
        possible for its country, since the provider knows number ranges our copy of the
        numbering plan may not (new ranges, test numbers such as +1 555 ...)."""
        return cls(e164=_normalise(raw, strict=False))

    def masked(self) -> str:
        """The number with all but the last four digits hidden, safe for logs and notices."""
        return self.e164[:3] + "*" * (len(self.e164) - 7) + self.e164[-4:]

    def __str__(self) -> str:
        return self.e164


def _normalise(raw: str, *, strict: bool = True) -> str:
    text = raw.strip()
    if not text or len(text) > _MAX_INPUT_LENGTH:
        raise InvalidInput(
            "Enter a phone number in international form, for example +34 612 345 678."
        )
    if text.startswith("00"):
        text = "+" + text[2:]
    elif not text.startswith("+"):
        # WhatsApp gives numbers without the plus; a person may too.
        text = "+" + text
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as error:
        raise InvalidInput(
            f"{raw.strip()[:32]!r} is not a phone number; use international form, for example "
            "+34 612 345 678."
        ) from error
    if not (phonenumbers.is_valid_number if strict else phonenumbers.is_possible_number)(parsed):
        raise InvalidInput(
            f"{raw.strip()[:32]!r} is not a valid phone number; check the country code and digits."
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
