"""cms's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PageIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)] | None = None
    structure: dict[str, Any] | None = None  # a page tree; a starter tree when absent


class PagePatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Slug | None = None
    structure: dict[str, Any] | None = None


class PageOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    structure: dict[str, Any]
    is_published: bool
    live_version: int | None
    revision: int
    registry_version: int
    created_at: datetime
    updated_at: datetime
    ai_nodes: dict[str, uuid.UUID] = {}  # node id -> the AI generation that wrote it (unchanged by people since)


class PageSummary(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    title: str
    is_published: bool
    live_version: int | None
    revision: int
    updated_at: datetime


class PageList(msgspec.Struct, frozen=True):
    pages: list[PageSummary]
    next_cursor: str | None


class VersionOut(msgspec.Struct, frozen=True, omit_defaults=True):
    version: int
    slug: str
    created_by: uuid.UUID | None
    created_at: datetime
    structure: dict[str, Any] | None = None
    ai_nodes: dict[str, uuid.UUID] = {}  # which parts of this version came from AI, and from which generation


class Finding(msgspec.Struct, frozen=True):
    severity: Literal["error", "warning"]
    check: str
    message: str
    pointer: str = ""


class CheckOut(msgspec.Struct, frozen=True):
    publishable: bool
    findings: list[Finding]


class DiffOut(msgspec.Struct, frozen=True):
    base: str
    target: str
    added: list[str]
    removed: list[str]
    changed: list[str]


class GenerationIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What to write. `page_id` (with `revision`, the draft you read) replaces that page's
    draft, never its live version; otherwise a new page is made at `slug` (or one derived
    from the generated title)."""

    prompt: Annotated[str, msgspec.Meta(min_length=3, max_length=4000)]
    slug: Slug | None = None
    page_id: uuid.UUID | None = None
    revision: int | None = None
    tone: Annotated[str, msgspec.Meta(max_length=60)] = ""
    sections: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=40)]],
                        msgspec.Meta(max_length=12)] = []
    brand_notes: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    language: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = "en"


class EstimateOut(msgspec.Struct, frozen=True):
    max_credits: int  # what is reserved; the charge is the actual use, never more
    input_tokens: int
    max_output_tokens: int


class GenerationOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    kind: str
    status: str  # queued, reserved, generating, validating, then saved, proposed or failed
    page_id: uuid.UUID | None
    max_credits: int
    credits: int | None
    model: str | None
    input_tokens: int
    output_tokens: int
    repaired: bool
    assets_used: list[uuid.UUID]
    reason: str | None
    request: dict[str, Any]
    history: list[dict[str, Any]]  # [{"status", "at"}], in order
    charged_credits: int | None  # what billing captured, once it has (None before)
    created_at: datetime
    updated_at: datetime
    status_url: str = ""
    events_url: str = ""


class EditIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Ask the model to change one node (and what it holds) of the draft."""

    node_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    action: Literal["rewrite", "shorten", "translate", "tone", "regenerate"]
    instruction: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    language: Annotated[str, msgspec.Meta(max_length=35)] = ""  # for translate
    tone: Annotated[str, msgspec.Meta(max_length=60)] = ""  # for tone


class ProposalOut(msgspec.Struct, frozen=True):
    """A proposed change as JSON Patch operations, each with its node, field, before and after.
    It is paid (`credits`) whether its operations are accepted or not: the model ran."""

    id: uuid.UUID
    page_id: uuid.UUID
    node_id: str
    action: str
    base_revision: int  # the draft revision it applies to
    operations: list[dict[str, Any]]
    credits: int
    model: str
    accepted: list[int] | None
    charged: str = "paid when proposed, whether accepted or not"
    notes: list[str] = []  # what the rules took out of the model's answer (links to other sites)


class DecisionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Which operations to apply, by index; absent: all of them, []: none."""

    accept: Annotated[list[Annotated[int, msgspec.Meta(ge=0)]], msgspec.Meta(max_length=1000)] | None = None
