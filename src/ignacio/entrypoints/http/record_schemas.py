"""The HTTP shapes of records, their comments and record types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from ignacio.application.use_cases.records import A_TEAMMATE, RecordView, Told
from ignacio.domain.errors import InvalidInput
from ignacio.domain.records import (
    MAX_CHOICE,
    MAX_CHOICES,
    MAX_COMMENT,
    MAX_DESCRIPTION,
    MAX_FIELDS,
    MAX_ITEM_FIELDS,
    MAX_LABEL,
    FieldKind,
    FieldSpec,
    OwnerNotice,
    Record,
    RecordComment,
    RecordSource,
    RecordStatus,
    RecordType,
)
from ignacio.entrypoints.http.schemas import Schema

Key = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["dueDate"])]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_LABEL)]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION)]
Choices = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=MAX_CHOICE)]], msgspec.Meta(max_length=MAX_CHOICES)
]
TypeName = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["proposal"])]


class ItemFieldBody(Schema):
    """A field of each item of a list (no lists inside items)."""

    key: Key
    label: Label
    kind: FieldKind
    required: bool = False
    description: Description = ""
    choices: Choices = []

    def spec(self) -> FieldSpec:
        return FieldSpec(**self._common())

    def _common(self) -> dict[str, Any]:
        """What a field and an item's field both have, as a FieldSpec takes it."""
        return _common_of(self) | {"choices": tuple(self.choices)}

    @classmethod
    def of(cls, spec: FieldSpec) -> ItemFieldBody:
        return cls(**_common_of(spec))


def _common_of(field: FieldSpec | ItemFieldBody) -> dict[str, Any]:
    common = {name: getattr(field, name) for name in ItemFieldBody.__struct_fields__}
    return common | {"choices": list(field.choices)}


class FieldBody(ItemFieldBody):
    """A field of a record type; `items` are the fields of each item when `kind` is `items`."""

    items: Annotated[list[ItemFieldBody], msgspec.Meta(max_length=MAX_ITEM_FIELDS)] = []

    def spec(self) -> FieldSpec:
        nested = next((item for item in self.items if item.kind is FieldKind.ITEMS), None)
        if nested is not None:
            # Said here: built first, the item would only complain that it has no item fields.
            raise InvalidInput(
                f"The items of '{self.key}' cannot hold lists of their own; give "
                f"'{nested.key}' another kind."
            )
        return FieldSpec(**self._common(), items=tuple(item.spec() for item in self.items))

    @classmethod
    def of(cls, spec: FieldSpec) -> FieldBody:
        return cls(**_common_of(spec), items=[ItemFieldBody.of(item) for item in spec.items])


class RecordTypeBody(Schema):
    """A record type: its name (lowercase, for the API and the assistant), a label for people,
    its fields, and the text field a command's words fill (`/name <text>`)."""

    name: TypeName
    label: Label
    fields: Annotated[list[FieldBody], msgspec.Meta(min_length=1, max_length=MAX_FIELDS)]
    text_field: Key
    description: Description = ""

    def kind(self) -> RecordType:
        # Built field by field: each checks itself (InvalidInput), then the type as a whole.
        return RecordType(
            name=self.name,
            label=self.label,
            description=self.description,
            fields=tuple(field.spec() for field in self.fields),
            text_field=self.text_field,
        )


class RecordTypeOut(RecordTypeBody):
    builtin: bool = False

    @classmethod
    def of(cls, kind: RecordType) -> RecordTypeOut:
        return cls(
            name=kind.name,
            label=kind.label,
            description=kind.description,
            fields=[FieldBody.of(spec) for spec in kind.fields],
            text_field=kind.text_field,
            builtin=kind.builtin,
        )


class RecordBody(Schema):
    """A new record: its type and its values, by field key, as the type defines them. `member`:
    whose it is (the team may write one for a member of the workspace); the caller's by
    default."""

    type: TypeName
    values: dict[str, Any]
    member: UUID | None = None


class RecordValuesBody(Schema):
    """The record's values as a whole (every field checked again)."""

    values: dict[str, Any]


class CommentBody(Schema):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_COMMENT)]


class StatusBody(Schema):
    status: RecordStatus
    """`open`, `in_review`, `resolved` or `rejected` (a draft is its member's to confirm)."""


class RecordOut(Schema):
    id: UUID
    type: str
    title: str
    values: dict[str, Any]
    status: RecordStatus
    source: RecordSource
    unfilled: list[str]
    """Required fields nobody filled yet (a record made by a command): for the team."""
    member_id: UUID
    member_name: str | None
    """Whom it is for, as people are shown (their name, else their number masked): in the
    records list and a record's detail; null in the answer to a change."""
    conversation_id: UUID | None
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None

    @classmethod
    def of(cls, record: Record, member_name: str | None = None) -> RecordOut:
        return cls(
            id=record.id,
            member_name=member_name,
            type=record.type_name,
            title=record.title,
            values=record.values,
            status=record.status,
            source=record.source,
            unfilled=list(record.unfilled),
            member_id=record.user_id,
            conversation_id=record.conversation_id,
            created_at=record.created_at,
            updated_at=record.updated_at,
            confirmed_at=record.confirmed_at,
        )


class CommentOut(Schema):
    id: UUID
    author_id: UUID
    author_name: str
    """Who wrote it, as people are shown: their name, else their number masked."""
    text: str
    notice: str
    """How the member was told: `text`, `template`, `web` (never wrote on WhatsApp) or `none`
    (outside the 24-hour window, no template configured)."""
    created_at: datetime

    @classmethod
    def of(cls, comment: RecordComment, author: str) -> CommentOut:
        return cls(
            id=comment.id,
            author_id=comment.author_id,
            author_name=author,
            text=comment.text,
            notice=comment.notice,
            created_at=comment.created_at,
        )

    @classmethod
    def all_of(cls, view: RecordView) -> list[CommentOut]:
        return [cls.of(comment, view.author_of(comment)) for comment in view.comments]


class RecordDetailOut(Schema):
    record: RecordOut
    record_type: RecordTypeOut | None
    """Null when the type was removed since."""
    comments: list[CommentOut]
    link: str | None

    @classmethod
    def of(cls, view: RecordView) -> RecordDetailOut:
        return cls(
            record=RecordOut.of(view.record, view.member),
            record_type=RecordTypeOut.of(view.kind) if view.kind else None,
            comments=CommentOut.all_of(view),
            link=view.link,
        )


class ToldOut(Schema):
    """The record after the team's change, and how its member was told of it."""

    record: RecordOut
    notice: OwnerNotice
    comment: CommentOut | None = None

    @classmethod
    def of(cls, told: Told) -> ToldOut:
        return cls(
            record=RecordOut.of(told.record),
            notice=told.notice,
            comment=CommentOut.of(told.comment, told.author or A_TEAMMATE)
            if told.comment
            else None,
        )
