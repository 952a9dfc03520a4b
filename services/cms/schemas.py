"""cms's request and response bodies."""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from shared.contracts import is_platform_address
from shared.db import INT4_MAX

from .registry import EMAIL_PATTERN

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Revision = Annotated[int, msgspec.Meta(ge=0, le=INT4_MAX)]  # a draft revision you read (an integer column)


class PageIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)] | None = None
    structure: dict[str, Any] | None = None  # a page tree; a starter tree when absent


class PagePatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Slug | None = None
    structure: dict[str, Any] | None = None


class RenderIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The tree the studio's canvas shows: the editor's unsaved draft, or absent for the stored one."""

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
    changed_since_live: bool = False  # published, and the draft is not what visitors see


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
    revision: Revision | None = None
    tone: Annotated[str, msgspec.Meta(max_length=60)] = ""
    sections: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=40)]],
                        msgspec.Meta(max_length=12)] = []
    brand_notes: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    language: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")] = "en"


Language = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")]
Short = Annotated[str, msgspec.Meta(max_length=80)]
PLAN_COMPONENTS = ("Hero", "FeatureGrid", "MediaText", "CallToAction", "PricingTable", "PriceList", "FAQ",
                   "ContactBlock", "ContactForm", "Gallery", "RichText", "ProductGrid")
PlanComponent = Literal[PLAN_COMPONENTS]


# Markup in a brief is not what its owner wants to say: an element whose text is code goes whole,
# any other tag leaves its text, an entity becomes its character. A lone "<" ("under < £20") stays.
_CODE_ELEMENT = re.compile(r"<(script|style|template)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_MARKUP = re.compile(r"<!--.*?(?:-->|\Z)|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.DOTALL)
_SPACES = re.compile(r"[ \t]{2,}")
_LINE_EDGES = re.compile(r"[ \t]*\n[ \t]*")


def plain_text(text: str) -> str:
    """`text` without markup: what a brief's words are, wherever they were typed or pasted from."""
    if "<" not in text and "&" not in text:
        return text
    words = html.unescape(_MARKUP.sub(" ", _CODE_ELEMENT.sub(" ", text)))
    return _LINE_EDGES.sub("\n", _SPACES.sub(" ", words)).strip()


class BriefIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A business described by its owner: what a site (or one page) is written from. Its
    words are plain text (`plain_text`): a site never shows a pasted tag as its own words."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    business: Annotated[str, msgspec.Meta(min_length=3, max_length=3000)]  # what it does, prices, hours, contacts
    location: Annotated[str, msgspec.Meta(max_length=160)] = ""
    audience: Annotated[str, msgspec.Meta(max_length=300)] = ""
    tone: Annotated[str, msgspec.Meta(max_length=60)] = ""
    language: Language = "en"
    pages: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=40)]],
                     msgspec.Meta(max_length=7)] = []  # the pages wanted; none: the plan chooses
    sections: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=40)]],
                        msgspec.Meta(max_length=12)] = []  # one page's sections, in order
    brand_notes: Annotated[str, msgspec.Meta(max_length=2000)] = ""

    def __post_init__(self) -> None:
        for field in ("name", "business", "location", "audience", "tone", "brand_notes"):
            msgspec.structs.force_setattr(self, field, plain_text(getattr(self, field)))
        for field in ("pages", "sections"):
            msgspec.structs.force_setattr(self, field, [word for word in map(plain_text, getattr(self, field)) if word])
        if not self.name or len(self.business) < 3:
            raise ValueError("the brief's name and business say nothing once their markup is taken out")


class PriceFact(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    price: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]  # as the brief writes it: "45 €"


class HoursFact(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    days: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    hours: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class PlanFacts(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the brief says that a visitor could act on, as it says it; nothing else."""

    business_name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    city: Annotated[str, msgspec.Meta(max_length=80)] = ""
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""
    phone: Annotated[str, msgspec.Meta(pattern=r"^[+0-9 ()./-]{0,30}\Z")] = ""
    email: Annotated[str, msgspec.Meta(pattern=EMAIL_PATTERN, max_length=254)] = ""
    hours: Annotated[list[HoursFact], msgspec.Meta(max_length=10)] = []
    prices: Annotated[list[PriceFact], msgspec.Meta(max_length=24)] = []
    services: Annotated[list[Short], msgspec.Meta(max_length=12)] = []


class PlannedSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    component: PlanComponent
    anchor: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,40}\Z")]
    purpose: Annotated[str, msgspec.Meta(max_length=200)] = ""


class PlannedPage(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(pattern=r"^/([a-z0-9]+(-[a-z0-9]+)*)?\Z", max_length=60)]
    nav_label: Annotated[str, msgspec.Meta(min_length=1, max_length=24)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]  # registry.SEO_TITLE_MAX
    description: Annotated[str, msgspec.Meta(min_length=50, max_length=160)]  # registry.SEO_DESCRIPTION_MAX
    sections: Annotated[list[PlannedSection], msgspec.Meta(min_length=1, max_length=8)]
    purpose: Annotated[str, msgspec.Meta(max_length=300)] = ""

    def __post_init__(self) -> None:
        if is_platform_address(self.slug):
            raise ValueError(f"{self.slug} is the platform's own address on every site; plan another")


class SitePlan(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The pages a brief needs and what each says; shown to the user, who may edit it."""

    language: Language
    facts: PlanFacts
    pages: Annotated[list[PlannedPage], msgspec.Meta(min_length=1, max_length=7)]
    tagline: Annotated[str, msgspec.Meta(max_length=160)] = ""


class PageRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: uuid.UUID
    revision: Revision  # the draft revision you read


class PublicationIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Drafts to publish together, with the layout's draft revision when it goes live too."""

    pages: Annotated[list[PageRef], msgspec.Meta(max_length=100)] = []
    layout_revision: Revision | None = None


class PublicationOut(msgspec.Struct, frozen=True):
    pages: list[PageOut]
    layout_revision: int | None


class LayoutIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The header (a Navbar node) and footer (a Footer node) every page shows; null: none."""

    header: dict[str, Any] | None = None
    footer: dict[str, Any] | None = None


class LayoutOut(msgspec.Struct, frozen=True):
    header: dict[str, Any] | None
    footer: dict[str, Any] | None
    revision: int  # the draft's; send it as If-Match (0: no layout yet)
    live_revision: int | None  # the draft revision visitors see; None: never published
    updated_at: datetime | None = None


class EstimateOut(msgspec.Struct, frozen=True):
    """What a job will reserve, fitted to the wallet, and what it is expected to be charged."""

    max_credits: int  # what is reserved; the charge is the actual use, never more
    input_tokens: int  # of every call it will make
    max_output_tokens: int  # the largest cap sent with a call
    expected_credits: int = 0  # the usual charge: every call, answers of a typical length, no repair
    available: int = 0  # what the wallet can spend now
    fits: bool = True  # False: not even the smallest job fits (a start answers 402)
    smallest_credits: int = 0  # the smallest job this can shrink to: what a wallet must at least hold
    calls: int = 0  # model calls it will make
    dropped: list[list[Any]] = []  # [slug, section index] of sections left out to fit the wallet


class SiteGenerationIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A brief and the plan to write (as /site-plans gave it, or edited)."""

    brief: BriefIn
    plan: SitePlan


class PlanOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    plan: SitePlan  # held to the brief: facts it does not give are not here
    estimate: EstimateOut  # what writing this plan will reserve and is expected to cost
    model: str
    input_tokens: int
    output_tokens: int
    credits: int = 0  # plans are not charged


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
    cached_input_tokens: int = 0  # of input_tokens, those the provider had cached (priced lower)
    plan: dict[str, Any] | None = None  # a site's (or page's) plan as written
    pages: list[dict[str, Any]] = []  # a site job's pages: page_id, slug, tokens and credits each
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

    accept: Annotated[list[Annotated[int, msgspec.Meta(ge=0, le=INT4_MAX)]],
                      msgspec.Meta(max_length=1000)] | None = None
