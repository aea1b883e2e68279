"""Specialised answers as the member reads them: WhatsApp text and Markdown."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import Channel
from ignacio.domain.answers import (
    MarketingAnswer,
    ProjectManagementAnswer,
    SpecialisedAnswer,
    TechnicalAnswer,
    as_markdown,
    for_whatsapp,
    markdown_to_whatsapp,
    render_answer,
)

LAUNCH = MarketingAnswer(
    advice="Launch to the **50 farmers** who tried the pilot first.",
    action_items=["Write to each of them", "- Offer a launch price", "2. Ask for one referral"],
    resources=["Mailchimp's free plan", "The pilot survey (survey.xlsx)"],
)


def test_a_marketing_answer_on_whatsapp() -> None:
    assert for_whatsapp(LAUNCH) == (
        "Launch to the *50 farmers* who tried the pilot first.\n\n"
        "*Action items*\n"
        "1. Write to each of them\n"
        "2. Offer a launch price\n"
        "3. Ask for one referral\n\n"
        "*Resources*\n"
        "• Mailchimp's free plan\n"
        "• The pilot survey (survey.xlsx)"
    )


def test_a_marketing_answer_as_markdown() -> None:
    assert as_markdown(LAUNCH) == (
        "Launch to the **50 farmers** who tried the pilot first.\n\n"
        "**Action items**\n"
        "1. Write to each of them\n"
        "2. Offer a launch price\n"
        "3. Ask for one referral\n\n"
        "**Resources**\n"
        "- Mailchimp's free plan\n"
        "- The pilot survey (survey.xlsx)"
    )


def test_technical_and_project_answers_have_their_own_sections() -> None:
    technical = TechnicalAnswer(
        solution="Use a form that writes to a spreadsheet.",
        implementation_steps=["Create the form", "Link the sheet"],
        considerations=["Free up to 100 answers a month"],
    )
    plan = ProjectManagementAnswer(
        recommendations="Ship the pilot before the grant deadline.",
        timeline_suggestions=["Week 1: recruit", "Week 2-3: run the pilot"],
        risk_factors=[],
    )

    assert for_whatsapp(technical) == (
        "Use a form that writes to a spreadsheet.\n\n"
        "*Implementation steps*\n1. Create the form\n2. Link the sheet\n\n"
        "*Considerations*\n• Free up to 100 answers a month"
    )
    # An empty section is left out rather than shown with no items.
    assert as_markdown(plan) == (
        "Ship the pilot before the grant deadline.\n\n"
        "**Timeline**\n1. Week 1: recruit\n2. Week 2-3: run the pilot"
    )


def test_each_channel_gets_its_own_rendering() -> None:
    assert render_answer("ignored", LAUNCH, Channel.WHATSAPP) == for_whatsapp(LAUNCH)
    assert render_answer("ignored", LAUNCH, Channel.WEB) == as_markdown(LAUNCH)
    assert render_answer("## Plan\n**Do** it", None, Channel.WHATSAPP) == "*Plan*\n*Do* it"
    assert render_answer("## Plan\n**Do** it", None, Channel.WEB) == "## Plan\n**Do** it"


def test_markdown_becomes_whatsapp_formatting() -> None:
    markdown = (
        "# Your plan\n"
        "Here is **what matters** and ~~what does not~~.\n"
        "- first\n"
        "  * nested\n"
        "See [the guide](https://example.org/guide) or https://example.org.\n"
        "```\n**kept** as code\n- also kept\n```"
    )
    assert markdown_to_whatsapp(markdown) == (
        "*Your plan*\n"
        "Here is *what matters* and ~what does not~.\n"
        "• first\n"
        "  • nested\n"
        "See the guide (https://example.org/guide) or https://example.org.\n"
        "```\n**kept** as code\n- also kept\n```"
    )


def test_whatsapp_formatting_is_left_alone() -> None:
    text = "*Ya está* _hecho_ ~tachado~\n• uno\n1. dos\n> cita"
    assert markdown_to_whatsapp(text) == text


words = st.text(
    alphabet=st.characters(categories=["L", "N"], include_characters=" .,¿?¡!'()"),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip())
items = st.lists(words, max_size=6)


@st.composite
def answers(draw: st.DrawFn) -> SpecialisedAnswer:
    shape = draw(st.sampled_from(["marketing", "technical", "project_management"]))
    lead, first, second = draw(words), draw(items), draw(items)
    if shape == "marketing":
        return MarketingAnswer(advice=lead, action_items=first, resources=second)
    if shape == "technical":
        return TechnicalAnswer(solution=lead, implementation_steps=first, considerations=second)
    return ProjectManagementAnswer(
        recommendations=lead, timeline_suggestions=first, risk_factors=second
    )


def _lists(answer: SpecialisedAnswer) -> tuple[list[str], list[str]]:
    match answer:
        case MarketingAnswer():
            return answer.action_items, answer.resources
        case TechnicalAnswer():
            return answer.implementation_steps, answer.considerations
        case ProjectManagementAnswer():
            return answer.timeline_suggestions, answer.risk_factors


@given(answers())
def test_every_item_is_shown_once_numbered_or_bulleted(answer: SpecialisedAnswer) -> None:
    numbered, bulleted = _lists(answer)
    for rendered, bullet in ((for_whatsapp(answer), "•"), (as_markdown(answer), "-")):
        lines = rendered.split("\n")
        shown_numbered = [line.split(". ", 1)[1] for line in lines if re.match(r"\d+\. ", line)]
        shown_bulleted = [line[2:] for line in lines if line.startswith(f"{bullet} ")]
        assert shown_numbered == [" ".join(item.split()) for item in numbered]
        assert shown_bulleted == [" ".join(item.split()) for item in bulleted]
        numbers = [int(line.split(".", 1)[0]) for line in lines if re.match(r"\d+\. ", line)]
        assert numbers == list(range(1, len(numbered) + 1))


@given(answers())
def test_whatsapp_answers_use_single_asterisks_only(answer: SpecialisedAnswer) -> None:
    rendered = for_whatsapp(answer)
    assert "**" not in rendered
    assert not any(line.startswith("#") for line in rendered.split("\n"))


@given(st.text(max_size=200))
def test_markdown_to_whatsapp_is_idempotent(text: str) -> None:
    once = markdown_to_whatsapp(text)
    assert markdown_to_whatsapp(once) == once


@given(st.text(alphabet=st.characters(categories=["L", "N", "Zs"], include_characters=".,?!\n")))
def test_text_without_markup_is_unchanged(text: str) -> None:
    assert markdown_to_whatsapp(text) == text


@given(st.text(max_size=200))
def test_no_letter_or_digit_is_lost(text: str) -> None:
    def kept(value: str) -> list[str]:
        return [char for char in value if char.isalnum()]

    # A link whose label is its URL is written once; every other letter stays, in order.
    if "](" not in text:
        assert kept(markdown_to_whatsapp(text)) == kept(text)
