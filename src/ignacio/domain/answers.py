"""The assistant's specialised answers (seed 000 §7), and how an answer reads on each channel.

Three shapes, one per expertise the assistant adapts to: marketing (advice, action items,
resources), technical (a solution, implementation steps, considerations) and project management
(recommendations, a timeline, risks). The same answer reads as WhatsApp text (single-asterisk
bold, `•` and numbered lists, no headings or tables, which WhatsApp shows literally) or as
Markdown on the web. Everything here is a pure function of its input.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from ignacio.domain.conversations import Channel


class MarketingAnswer(msgspec.Struct, frozen=True, kw_only=True, tag="marketing"):
    advice: str
    action_items: list[str] = []
    resources: list[str] = []


class TechnicalAnswer(msgspec.Struct, frozen=True, kw_only=True, tag="technical"):
    solution: str
    implementation_steps: list[str] = []
    considerations: list[str] = []


class ProjectManagementAnswer(msgspec.Struct, frozen=True, kw_only=True, tag="project_management"):
    recommendations: str
    timeline_suggestions: list[str] = []
    risk_factors: list[str] = []


SpecialisedAnswer = MarketingAnswer | TechnicalAnswer | ProjectManagementAnswer


class _Part(msgspec.Struct, frozen=True):
    title: str
    items: list[str]
    numbered: bool


def _parts(answer: SpecialisedAnswer) -> tuple[str, list[_Part]]:
    """The answer's lead text and its titled lists, in reading order."""
    match answer:
        case MarketingAnswer():
            return answer.advice, [
                _Part("Action items", answer.action_items, numbered=True),
                _Part("Resources", answer.resources, numbered=False),
            ]
        case TechnicalAnswer():
            return answer.solution, [
                _Part("Implementation steps", answer.implementation_steps, numbered=True),
                _Part("Considerations", answer.considerations, numbered=False),
            ]
        case ProjectManagementAnswer():
            return answer.recommendations, [
                _Part("Timeline", answer.timeline_suggestions, numbered=True),
                _Part("Risks", answer.risk_factors, numbered=False),
            ]


# A list marker the model may have typed itself ("- ", "* ", "• ", "1. ", "2) "): ours replaces it.
_OWN_MARKER = re.compile(r"^\s*(?:[-*•·]|\d{1,3}[.)])\s+")


def _item_text(item: str) -> str:
    """One list item on one line: WhatsApp and Markdown both end an item at a line break."""
    return " ".join(_OWN_MARKER.sub("", item.strip(), count=1).split())


def _render(
    answer: SpecialisedAnswer, *, bold: str, bullet: str, inline: Callable[[str], str]
) -> str:
    lead, parts = _parts(answer)
    blocks = [inline(lead.strip())] if lead.strip() else []
    for part in parts:
        items = [inline(text) for text in (_item_text(item) for item in part.items) if text]
        if not items:
            continue
        lines = [
            f"{number}. {text}" if part.numbered else f"{bullet} {text}"
            for number, text in enumerate(items, start=1)
        ]
        blocks.append(f"{bold}{part.title}{bold}\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def for_whatsapp(answer: SpecialisedAnswer) -> str:
    """The answer as WhatsApp text: `*Title*` over `1.` or `•` lists."""
    return _render(answer, bold="*", bullet="•", inline=markdown_to_whatsapp)


def as_markdown(answer: SpecialisedAnswer) -> str:
    """The answer as Markdown: `**Title**` over numbered or `-` lists."""
    return _render(answer, bold="**", bullet="-", inline=str)


def render_answer(text: str, answer: SpecialisedAnswer | None, channel: Channel) -> str:
    """What the member reads on `channel`: the specialised answer when there is one, else the
    text, with Markdown turned into WhatsApp's own formatting on WhatsApp."""
    if channel is Channel.WHATSAPP:
        return for_whatsapp(answer) if answer is not None else markdown_to_whatsapp(text)
    return as_markdown(answer) if answer is not None else text


_FENCE = re.compile(r"^\s*```")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(?=\S)")
# Only where Markdown surely means it: not inside a word (`2**10`), not `__` (Python's `__init__`).
_STRONG = re.compile(r"(?<![\w*])(\*{2,3})(?=[^\s*])(.+?)(?<=[^\s*])\1(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~~(?=[^\s~])(.+?)(?<=[^\s~])~~(?![\w~])")
_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\((\S+?)\)")


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1), match.group(2)
    return url if label.strip() == url else f"{label} ({url})"


def _bold_line(text: str) -> str:
    inner = _STRONG.sub(r"\2", text).strip("*").strip()
    return f"*{inner}*" if inner else text


def markdown_to_whatsapp(text: str) -> str:
    """Markdown as WhatsApp shows it: `**bold**` and headings become `*bold*`, `~~x~~` becomes
    `~x~`, `- item` becomes `• item`, `[label](url)` becomes `label (url)`. Code blocks and
    everything WhatsApp already understands are left as they are."""
    lines = []
    in_code = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            lines.append(line)
            continue
        if in_code:
            lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            lines.append(_bold_line(_LINK.sub(_link, heading.group(1))))
            continue
        line = _BULLET.sub(r"\1• ", line)
        line = _LINK.sub(_link, line)
        line = _STRONG.sub(r"*\2*", line)
        line = _STRIKE.sub(r"~\1~", line)
        lines.append(line)
    return "\n".join(lines)
