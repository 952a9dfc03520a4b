"""Every event and command that crosses a service boundary, defined once.

Events are facts, published through the outbox to JetStream; the msgspec tag is the
subject (`<context>.<entity>.<fact>.v<N>`), so a subject is written exactly once.
Commands expect an answer and travel by NATS request-reply on `cmd.` subjects, which no
stream captures. New fields get defaults; a breaking change is a new class and subject.
Unknown fields are accepted so that old consumers read newer messages.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, Union

import msgspec


def now() -> datetime:
    return datetime.now(UTC)


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="subject"):
    """A fact that happened in one tenant."""

    event_id: uuid.UUID = msgspec.field(default_factory=uuid.uuid4)
    tenant_id: uuid.UUID
    occurred_at: datetime = msgspec.field(default_factory=now)

    @classmethod
    def subject(cls) -> str:
        # The class's own config, not msgspec.inspect (~50 µs a call, on every event sent and handled).
        return cls.__struct_config__.tag  # type: ignore[return-value]

    @classmethod
    def context(cls) -> str:
        return cls.subject().split(".", 1)[0]


# identity -------------------------------------------------------------------------


class TenantCreatedV1(Event, tag="identity.tenant.created.v1"):
    """A tenant signed up, with its first owner."""

    slug: str
    name: str
    owner_account_id: uuid.UUID
    owner_email: str
    theme: dict[str, Any] | None = None


class TenantUpdatedV1(Event, tag="identity.tenant.updated.v1"):
    """A tenant's slug, name or theme changed; it carries the whole current state."""

    slug: str
    name: str
    previous_slug: str | None = None
    theme: dict[str, Any] | None = None


class TenantDeletedV1(Event, tag="identity.tenant.deleted.v1"):
    """A tenant was deleted; its hosts stop resolving now, its data goes at `purge_after`."""

    slug: str
    purge_after: datetime | None = None


class TenantPurgedV1(Event, tag="identity.tenant.purged.v1"):
    """The grace period after a deletion ended: every context removes the tenant's data
    (billing keeps its ledger for accounting)."""

    slug: str


class DomainVerifiedV1(Event, tag="identity.tenant.domain_verified.v1"):
    """A custom domain proved ownership and now resolves to the tenant."""

    domain: str


class DomainRemovedV1(Event, tag="identity.tenant.domain_removed.v1"):
    """A custom domain stopped resolving to the tenant (removed, or its proof vanished)."""

    domain: str
    reason: str = "removed"


class MemberAddedV1(Event, tag="identity.member.added.v1"):
    """An account joined the tenant."""

    account_id: uuid.UUID
    role: str


class MemberRoleChangedV1(Event, tag="identity.member.role_changed.v1"):
    """A member's role changed; it takes effect with their next access token."""

    account_id: uuid.UUID
    role: str
    previous_role: str


class MemberRemovedV1(Event, tag="identity.member.removed.v1"):
    """A member left or was removed."""

    account_id: uuid.UUID


# billing --------------------------------------------------------------------------


class AccountOpenedV1(Event, tag="billing.account.opened.v1"):
    """A tenant's credit wallet opened with its sign-up grant."""

    balance: int


class CreditsDebitedV1(Event, tag="billing.credits.debited.v1"):
    """Credits were spent (a captured hold or a direct charge)."""

    amount: int
    type: str
    reference_id: str
    balance: int


class CreditsAddedV1(Event, tag="billing.credits.added.v1"):
    """Credits were added (a grant, a top-up, a correction): work waiting for them can go on."""

    amount: int
    type: str
    reference_id: str
    balance: int


class CreditsLowV1(Event, tag="billing.credits.low.v1"):
    """The balance crossed below the low-balance threshold."""

    balance: int
    threshold: int


class SubscriptionChangedV1(Event, tag="billing.subscription.changed.v1"):
    """The tenant's subscription status changed."""

    status: str
    previous_status: str | None = None


class ProductChangedV1(Event, tag="billing.product.updated.v1"):
    """A product's whole current state (for projections such as cms's ProductGrid)."""

    product_id: uuid.UUID
    slug: str
    name: str
    description: str
    price_amount: int  # minor units
    currency: str
    images: list[uuid.UUID]
    active: bool
    in_stock: bool


class ProductCreatedV1(ProductChangedV1, tag="billing.product.created.v1"):
    """A product was added to a tenant's catalogue."""


class ProductDeletedV1(Event, tag="billing.product.deleted.v1"):
    """A product left the catalogue."""

    product_id: uuid.UUID


class ShopChangedV1(Event, tag="billing.shop.changed.v1"):
    """What the tenant's shop may do now: its Stripe Connect account's whole current state
    (for projections such as cms's Buy buttons, shown only where a charge can be taken)."""

    charges_enabled: bool
    payouts_enabled: bool = False
    details_submitted: bool = False


class OrderPaidV1(Event, tag="billing.order.paid.v1"):
    """A storefront order was paid: the tenant's share goes to its connected account."""

    order_id: uuid.UUID
    amount_total: int
    currency: str
    application_fee: int
    items: list[dict[str, Any]]


# cms / assets ---------------------------------------------------------------------


class PageGeneratedV1(Event, tag="cms.page.generated.v1"):
    """An AI page generation succeeded; billing captures `credits` from the hold."""

    page_id: uuid.UUID
    generation_id: uuid.UUID
    hold_id: uuid.UUID
    model: str
    input_tokens: int
    output_tokens: int
    credits: int
    cached_input_tokens: int = 0  # of input_tokens, those the provider had cached (priced lower)


class GeneratedPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a site generation and what writing it used."""

    page_id: uuid.UUID
    slug: str
    input_tokens: int
    output_tokens: int
    credits: int
    cached_input_tokens: int = 0


class SiteGeneratedV1(Event, tag="cms.site.generated.v1"):
    """An AI site generation saved its pages as drafts; billing captures `credits` from the
    job's one hold (the site plan's call included), `pages` says what each page used."""

    generation_id: uuid.UUID
    hold_id: uuid.UUID
    model: str
    input_tokens: int
    output_tokens: int
    credits: int
    pages: list[GeneratedPage]
    cached_input_tokens: int = 0


class PageGenerationFailedV1(Event, tag="cms.page.generation_failed.v1"):
    """AI work on pages (a page, a site, an edit) failed; billing releases the hold."""

    generation_id: uuid.UUID
    hold_id: uuid.UUID
    reason: str


class AssetDescribedV1(Event, tag="assets.asset.described.v1"):
    """An asset got its AI description and embedding; billing captures `credits`."""

    asset_id: uuid.UUID
    hold_id: uuid.UUID | None = None
    model: str = ""
    credits: int = 0


class AssetDescriptionFailedV1(Event, tag="assets.asset.description_failed.v1"):
    """An asset's AI description failed; billing releases the hold."""

    asset_id: uuid.UUID
    hold_id: uuid.UUID | None = None
    reason: str = ""


class CatalogueSyncedV1(Event, tag="cms.catalogue.synced.v1"):
    """cms applied a change of the tenant's catalogue to its projection: rendered product
    grids change from now on (the gateway evicts the tenant's cached pages)."""

    product_id: uuid.UUID


class SiteChangedV1(Event, tag="cms.site.changed.v1"):
    """Something every rendered page of the tenant is made of changed in cms: the site's name,
    theme or domain (identity's event can overtake cms's projection of it), its published
    header and footer, or whether its shop can take payments."""


class PagePublishedV1(Event, tag="cms.page.published.v1"):
    """A page version went live."""

    page_id: uuid.UUID
    slug: str
    version: int


class PageUnpublishedV1(Event, tag="cms.page.unpublished.v1"):
    """A page stopped being live."""

    page_id: uuid.UUID
    slug: str


class PageDeletedV1(Event, tag="cms.page.deleted.v1"):
    """A page and its versions were deleted."""

    page_id: uuid.UUID
    slug: str


class FormSubmittedV1(Event, tag="cms.form.submitted.v1"):
    """A visitor sent a site's contact form."""

    page_id: uuid.UUID
    form_id: str
    submission_id: uuid.UUID


class AssetUploadedV1(Event, tag="assets.asset.uploaded.v1"):
    """An asset was stored and is waiting for its AI description."""

    asset_id: uuid.UUID
    content_type: str


class AssetDeletedV1(Event, tag="assets.asset.deleted.v1"):
    """An asset and its stored files were deleted."""

    asset_id: uuid.UUID


def _tagged(cls: type[Event]) -> list[type[Event]]:
    """Every event class below `cls` (an event may extend another: created is updated's shape)."""
    return [found for sub in cls.__subclasses__() for found in (sub, *_tagged(sub))]


ALL_EVENTS: tuple[type[Event], ...] = tuple(_tagged(Event))
# Every event class above, so a new event is decodable the moment it is defined.
AnyEvent = Union[ALL_EVENTS]  # type: ignore[valid-type]  # noqa: UP007

STREAMS: dict[str, str] = {"IDENTITY": "identity.>", "BILLING": "billing.>",
                           "CMS": "cms.>", "ASSETS": "assets.>"}
DEAD_LETTER_STREAM = ("DEAD_LETTERS", "dlq.>")

event_encoder = msgspec.json.Encoder()
event_decoder = msgspec.json.Decoder(AnyEvent)


def encode_event(event: Event) -> bytes:
    return event_encoder.encode(event)


def decode_event(data: bytes) -> Event:
    return event_decoder.decode(data)


# the live pages replica (JetStream key-value) ------------------------------------
# cms keeps, for every tenant, the answer of each live page in a bucket that the gateway
# reads when its own cache does not hold a page: a visit costs one key lookup, not a hop
# to cms and a query. Only cms writes it (services/cms/live_replica.py).

LIVE_PAGES_BUCKET = "live-pages"
LIVE_PAGE_MAX_BYTES = 768 * 1024  # larger answers are left to cms (NATS carries 1 MB at most)


class LivePage(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """A live page's answer as cms makes it: its headers (lower-case; no length) and bytes."""

    headers: dict[str, str]
    body: bytes


def live_page_key(tenant_id: uuid.UUID, kind: str, path: str) -> str | None:
    """The bucket key of the live page at `path` (as served: '/', '/a', '/a/') in `kind`
    ('html' or 'json'), or None for what is never a page (a draft preview, the site's
    robots.txt and sitemap.xml). The tenant first, so `<tenant>.>` lists one tenant's keys;
    the path hashed, so any path makes a valid key of bounded length."""
    slug = path.rstrip("/") or "/"
    if slug in SITE_FILES or slug.startswith("/__"):
        return None
    digest = hashlib.blake2b(slug.encode(), digest_size=16).hexdigest()
    return f"{tenant_id.hex}.{kind}.{digest}"


# Every site's icons (cms makes them per tenant; the gateway answers the platform host's own).
FAVICONS = frozenset({"/favicon.ico", "/favicon.svg", "/apple-touch-icon.png"})

# What the gateway answers itself on every site's host, before any page: the API (/api/…), the
# media library's files (/assets/…), the studio (/studio, /studio/…) and the health check. No
# page can live at or under one: cms refuses such an address for a page and a plan.
PLATFORM_SEGMENTS = frozenset({"api", "assets", "studio", "health"})


def is_platform_address(slug: str) -> bool:
    """Whether the page address `slug` ("/studio", "/api/x") is one the gateway keeps for itself."""
    return slug.strip("/").split("/", 1)[0] in PLATFORM_SEGMENTS
SITE_FILES = frozenset({"/robots.txt", "/sitemap.xml"}) | FAVICONS
live_page_encoder = msgspec.msgpack.Encoder()
live_page_decoder = msgspec.msgpack.Decoder(LivePage)


# commands (request-reply) ---------------------------------------------------------


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """A request that needs an answer; `SUBJECT` is where its handler listens."""

    SUBJECT: ClassVar[str]
    Reply: ClassVar[type[msgspec.Struct]]

    def encode(self) -> bytes:
        return event_encoder.encode(self)

    @classmethod
    def decode(cls, data: bytes) -> Self:
        return msgspec.json.decode(data, type=cls)


class ResolvedHost(msgspec.Struct, frozen=True, kw_only=True):
    """Which tenant a host belongs to; `tenant_id` is None when no tenant does."""

    tenant_id: uuid.UUID | None = None
    slug: str | None = None


class ResolveHost(Command, frozen=True, kw_only=True):
    """Ask identity which tenant serves a slug host (`slug`) or a custom `domain`."""

    SUBJECT: ClassVar[str] = "cmd.identity.host.resolve.v1"
    Reply: ClassVar[type[msgspec.Struct]] = ResolvedHost
    slug: str | None = None
    domain: str | None = None


class DescribedTenant(msgspec.Struct, frozen=True, kw_only=True):
    """A live tenant's whole current state, as its TenantUpdatedV1 would carry it, `as_of`
    the moment identity read it (comparable with its events' `occurred_at`: an event older
    than it describes an older state); `tenant_id` None when there is no live tenant."""

    tenant_id: uuid.UUID | None = None
    slug: str = ""
    name: str = ""
    theme: dict[str, Any] | None = None
    custom_domain: str | None = None
    as_of: datetime = msgspec.field(default_factory=now)


class DescribeTenant(Command, frozen=True, kw_only=True):
    """Ask identity for a tenant's current state (cms, when its projection of the site
    lacks a tenant it is asked about: identity's event may not have arrived yet)."""

    SUBJECT: ClassVar[str] = "cmd.identity.tenant.describe.v1"
    Reply: ClassVar[type[msgspec.Struct]] = DescribedTenant
    tenant_id: uuid.UUID


class VerifiedApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """The key's id and role when it is a live key of the tenant; `key_id` None otherwise."""

    key_id: uuid.UUID | None = None
    role: str | None = None


class VerifyApiKey(Command, frozen=True, kw_only=True):
    """Ask identity whether `key` is a live API key of `tenant_id`."""

    SUBJECT: ClassVar[str] = "cmd.identity.apikey.verify.v1"
    Reply: ClassVar[type[msgspec.Struct]] = VerifiedApiKey
    tenant_id: uuid.UUID
    key: str


class TenantDataExport(msgspec.Struct, frozen=True, kw_only=True):
    """One service's rows of one tenant, table by table, as JSON values."""

    service: str
    tables: dict[str, list[dict[str, Any]]]


class ExportTenantData(Command, frozen=True, kw_only=True):
    """Ask a service for all of a tenant's data (for the OWNER's export archive)."""

    SUBJECT: ClassVar[str] = "cmd.{service}.tenant.export.v1"
    Reply: ClassVar[type[msgspec.Struct]] = TenantDataExport
    tenant_id: uuid.UUID

    @staticmethod
    def subject_for(service: str) -> str:
        return ExportTenantData.SUBJECT.format(service=service)


class CreditsReservation(msgspec.Struct, frozen=True, kw_only=True):
    """A hold (`hold_id` set) or a refusal with what is `available`."""

    hold_id: uuid.UUID | None = None
    status: str  # held (or the state of an earlier hold of this reference), refused
    amount: int
    available: int


class ReserveCredits(Command, frozen=True, kw_only=True):
    """Set credits aside for AI work before calling the model; the outcome event settles it."""

    SUBJECT: ClassVar[str] = "cmd.billing.credits.reserve.v1"
    Reply: ClassVar[type[msgspec.Struct]] = CreditsReservation
    tenant_id: uuid.UUID
    amount: int
    reference: str
    ledger_type: str  # what the capture will be booked as, e.g. AI_PAGE_GENERATION
    ttl_seconds: int = 900


class AvailableCredits(msgspec.Struct, frozen=True, kw_only=True):
    available: int  # balance less what running work holds; 0 without an account


class CountAvailableCredits(Command, frozen=True, kw_only=True):
    """Ask billing what a tenant can spend now (a price is fitted to it before reserving)."""

    SUBJECT: ClassVar[str] = "cmd.billing.credits.available.v1"
    Reply: ClassVar[type[msgspec.Struct]] = AvailableCredits
    tenant_id: uuid.UUID


class FoundAsset(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    alt_text: str
    description: str
    width: int | None = None
    height: int | None = None


class FoundAssets(msgspec.Struct, frozen=True, kw_only=True):
    """For each query, in order, the tenant's best-matching described assets."""

    results: list[list[FoundAsset]]


class SearchAssets(Command, frozen=True, kw_only=True):
    """Ask assets for a tenant's images that fit each text (AI generation picks its images
    this way: only the tenant's own, never an invented address)."""

    SUBJECT: ClassVar[str] = "cmd.assets.search.v1"
    Reply: ClassVar[type[msgspec.Struct]] = FoundAssets
    tenant_id: uuid.UUID
    queries: list[str]
    k: int = 5


class ImageInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a page needs to lay out one of the tenant's images without a shift: its size,
    the widths the assets service really delivers (never wider than the original), and the
    formats it delivers them in besides the original's (`webp`, `avif`)."""

    id: uuid.UUID
    width: int
    height: int
    widths: list[int]
    formats: list[str] = []


class ImagesDescribed(msgspec.Struct, frozen=True, kw_only=True):
    images: list[ImageInfo]  # the tenant's images among those asked for; others are left out


class DescribeImages(Command, frozen=True, kw_only=True):
    """Ask assets for the sizes and delivered widths of a tenant's images (cms, when it
    renders a page)."""

    SUBJECT: ClassVar[str] = "cmd.assets.images.describe.v1"
    Reply: ClassVar[type[msgspec.Struct]] = ImagesDescribed
    tenant_id: uuid.UUID
    asset_ids: list[uuid.UUID]


class ImageCopy(msgspec.Struct, frozen=True, kw_only=True):
    data: bytes  # a small copy (a few hundred pixels wide), small enough for one message
    content_type: str


class CopyImage(Command, frozen=True, kw_only=True):
    """Ask assets for a small copy of one of a tenant's images (cms, making the favicons
    from the logo); another tenant's or an unknown id fails as not found."""

    SUBJECT: ClassVar[str] = "cmd.assets.images.copy.v1"
    Reply: ClassVar[type[msgspec.Struct]] = ImageCopy
    tenant_id: uuid.UUID
    asset_id: uuid.UUID


class CommandFailed(msgspec.Struct, frozen=True, kw_only=True):
    """The reply when a command handler raised: the caller re-raises it as `code`."""

    error: str
    code: str = "internal"


def decode_reply(command: Command, data: bytes) -> Any:
    """The typed reply of `command`, or the `CommandFailed` its handler sent instead."""
    reply = msgspec.json.decode(data)
    if isinstance(reply, dict) and "error" in reply:
        return msgspec.convert(reply, CommandFailed)
    return msgspec.convert(reply, type(command).Reply)
