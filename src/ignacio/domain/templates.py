"""Approved message templates: what reaches a member on WhatsApp once the 24-hour window is closed.

Meta takes free text only within 24 hours of the member's last message; later, only a template
the business had approved (error 131047 otherwise). A workspace names one such template for its
team's replies; each use fills its variables.
"""

from __future__ import annotations

import re

import msgspec

from ignacio.domain.errors import InvalidInput

MAX_VARIABLES = 10
MAX_PARAMETER_LENGTH = 1_024
MAX_VARIABLE_LABEL = 60
# Meta's template names (lowercase letters, digits, underscores), or a Twilio Content SID.
_NAME = re.compile(r"^(?:[a-z0-9_]{1,512}|HX[0-9a-f]{32})$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
# Meta refuses a parameter with a new line, a tab, or more than four spaces in a row.
_REFUSED_IN_PARAMETER = re.compile(r"[\n\r\t]| {5,}")


class MessageTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """A template the workspace's number may send outside the window.

    `name` is the template's name at Meta (or, on Twilio, its Content SID, `HX...`);
    `language` its language code as Meta has it (`en`, `es`, `pt_BR`); `variables` say, for the
    team, what each `{{1}}`, `{{2}}`... stands for, in order."""

    name: str
    language: str = "en"
    variables: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InvalidInput(
                "A template's name is its name at Meta (lowercase letters, digits and "
                "underscores, e.g. 'follow_up') or, on Twilio, its Content SID (HX and 32 hex "
                "digits)."
            )
        if not _LANGUAGE.match(self.language):
            raise InvalidInput(
                "A template's language is a code as Meta lists it, such as 'en', 'es' or 'pt_BR'."
            )
        if len(self.variables) > MAX_VARIABLES:
            raise InvalidInput(f"A template can have at most {MAX_VARIABLES} variables.")
        for label in self.variables:
            if not label.strip() or len(label) > MAX_VARIABLE_LABEL:
                raise InvalidInput(
                    f"Each variable needs a label of 1 to {MAX_VARIABLE_LABEL} characters "
                    "saying what goes there (e.g. 'member's first name')."
                )

    def filled(self, parameters: list[str]) -> TemplateUse:
        """This template with its variables filled in, as the provider will get it."""
        if len(parameters) != len(self.variables):
            wanted = ", ".join(self.variables) or "none"
            raise InvalidInput(
                f"The template '{self.name}' takes {len(self.variables)} values ({wanted}); "
                f"{len(parameters)} were given."
            )
        cleaned = []
        for label, value in zip(self.variables, parameters, strict=True):
            value = value.strip()
            if not value or len(value) > MAX_PARAMETER_LENGTH:
                raise InvalidInput(
                    f"'{label}' needs a value of 1 to {MAX_PARAMETER_LENGTH} characters."
                )
            if _REFUSED_IN_PARAMETER.search(value):
                raise InvalidInput(
                    f"'{label}' cannot contain line breaks, tabs or more than four spaces in a "
                    "row: WhatsApp refuses them in a template."
                )
            cleaned.append(value)
        return TemplateUse(name=self.name, language=self.language, parameters=tuple(cleaned))


class TemplateUse(msgspec.Struct, frozen=True, kw_only=True):
    """A template as sent once: its name, language and the values of its variables."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()

    def preview(self) -> str:
        """How the message reads in the thread (the template's own text lives at Meta)."""
        values = " · ".join(self.parameters)
        return f"[template {self.name}] {values}".rstrip()
