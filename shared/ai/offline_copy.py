"""The prompt, read without a model, and the copy the offline generator writes from it.

`read_brief` finds what a prompt is about (its subject, place and the sections it asks
for); `copy_for` writes a string for a property from its name and section ("headline" in
a hero, "answer" in an FAQ); `fit_string` makes it fit a string schema's length, pattern
and format, drawing from the pattern itself when no written copy matches.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Any

# The sections a page can ask for, each with the words people use for it.
TOPIC_WORDS = {
    "hero": ("hero", "landing", "banner", "homepage", "splash"),
    "pricing": ("price", "pricing", "plan", "cost", "tier", "rate", "package", "subscription", "fee"),
    "faq": ("faq", "question", "answer"),
    "testimonial": ("testimonial", "review", "feedback", "endorsement"),
    "contact": ("contact", "form", "enquiry", "inquiry"),
    "gallery": ("gallery", "photo", "image", "portfolio", "picture", "showcase"),
    "feature": ("feature", "benefit", "service", "offering", "perk", "amenity"),
    "team": ("team", "people", "staff", "founder"),
    "navigation": ("nav", "navbar", "navigation"),
    "footer": ("footer",),
}
TOPIC_PHRASES = {"customers say": "testimonial", "clients say": "testimonial", "reach us": "contact",
                 "get in touch": "contact", "about us": "team", "q&a": "faq", "call to action": "hero"}
STOP_WORDS = frozenset("""a an the and or with for of about to in on at by from our my your their we i us is are be
    need needs want wants please create make build design write generate give show shows include includes including
    that this which where who some any new simple one single also plus""".split())  # noqa: SIM905
PAGE_WORDS = frozenset({"page", "site", "website", "web", "webpage", "homepage", "landing", "one-page", "onepage"})
SUBJECT_START = re.compile(r"\b(?:for|about|of)\s+", re.IGNORECASE)
SUBJECT_END = re.compile(r"\s+(?:with|that|which|and|featuring|including|where|to|in|on|at)\b|[,.;:!?()]")
PLACE = re.compile(r"\bin\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)")


def words_of(text: str) -> list[str]:
    """Lowercase words, with camelCase names split: "PricingTable" -> ["pricing", "table"]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", spaced.lower())


def stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


TOPIC_OF_STEM = {stem(word): topic for topic, words in TOPIC_WORDS.items() for word in words}


def topics_in(text: str) -> set[str]:
    found = {topic for phrase, topic in TOPIC_PHRASES.items() if phrase in text.lower()}
    return found | {TOPIC_OF_STEM[stem(w)] for w in words_of(text) if stem(w) in TOPIC_OF_STEM}


@dataclass(frozen=True)
class Brief:
    """The prompt as the offline generator understands it."""

    subject: str  # the business or thing the page is for, as written: "yoga studio"
    place: str  # "Lisbon" when the prompt says "in Lisbon"
    stems: dict[str, int]  # content word stem -> first position in the prompt
    topics: dict[str, int]  # topic -> first position in the prompt

    @property
    def name(self) -> str:
        return " ".join(w if w != w.lower() else w.capitalize() for w in self.subject.split())

    def relevance(self, text: str) -> int:
        """How much `text` (a title, an enum value, a property name) is about what the prompt asks."""
        stems = {stem(w) for w in words_of(text)}
        return 2 * len(topics_in(text) & self.topics.keys()) + len(stems & self.stems.keys())


def read_brief(prompt: str) -> Brief:
    subject = _subject_of(prompt)
    subject_stems = {stem(w) for w in words_of(subject)}
    stems: dict[str, int] = {}
    topics: dict[str, int] = {}
    for position, word in enumerate(words_of(prompt)):
        if word in STOP_WORDS:
            continue
        stems.setdefault(stem(word), position)
        if stem(word) in TOPIC_OF_STEM and stem(word) not in subject_stems:  # a "photo studio" asks for no gallery
            topics.setdefault(TOPIC_OF_STEM[stem(word)], position)
    lowered = prompt.lower()
    for phrase, topic in TOPIC_PHRASES.items():
        if phrase in lowered:
            topics.setdefault(topic, len(words_of(lowered[:lowered.index(phrase)])))
    place = PLACE.search(prompt)
    return Brief(subject=subject, place=place.group(1) if place else "", stems=stems, topics=topics)


def _subject_of(prompt: str) -> str:
    for start in SUBJECT_START.finditer(prompt):  # "... for a yoga studio with ..."
        phrase = _content_run(SUBJECT_END.split(prompt[start.end():], maxsplit=1)[0].split())
        if phrase:
            return phrase
    return _content_run(prompt.split(), skip_leading=True) or "local business"


def _content_run(tokens: list[str], *, skip_leading: bool = False) -> str:
    """The first run of up to four content words: stop words, page words and topics end it."""
    run: list[str] = []
    for token in tokens:
        word = token.strip(string.punctuation.replace("&", "") + "\u201c\u201d\u2018\u2019")  # "Bloom & Co"
        lowered = word.lower()
        ignorable = not word or lowered in STOP_WORDS or lowered in PAGE_WORDS or topics_in(lowered)
        if ignorable and (run or (not skip_leading and lowered not in STOP_WORDS)):
            break
        if not ignorable:
            run.append(word)
    return " ".join(run[:4])


def slugify(text: str, separator: str = "-") -> str:
    return separator.join(words_of(text.replace("'", ""))) or "item"


TOPIC_HEADINGS = {
    "hero": ("{name}", "Welcome to {name}", "{name}, done right", "Discover {name}", "This is {name}"),
    "pricing": ("{name} pricing", "Plans & pricing", "Simple prices at {name}", "Choose your plan"),
    "faq": ("Frequently asked questions", "Questions about {name}", "Good to know", "{name} FAQ"),
    "testimonial": ("What people say about {name}", "Kind words", "Loved by our clients"),
    "contact": ("Get in touch", "Contact {name}", "Say hello", "Visit {name}"),
    "gallery": ("{name} gallery", "A look inside {name}", "Recent work", "Moments at {name}"),
    "feature": ("Why {name}", "What we offer", "Inside {name}", "Made for you"),
    "team": ("Meet the {name} team", "The people behind {name}", "Our team"),
}
DEFAULT_HEADINGS = ("{name}", "About {name}", "The {name} story", "{name} at a glance", "Welcome to {name}")
SENTENCES = ("{name} is here for you{place}, with care in every detail.",
             "At {name}, we keep things personal and refreshingly simple.",
             "Everything you want from a {subject}, in one place{place}.",
             "{name} brings a fresh approach to an old craft{place}.",
             "Come as you are: {name} makes it easy to feel at home.",
             "Friendly people, honest advice and a {subject} you will want to return to.",
             "Small enough to know your name, experienced enough to get it right.")
TOPIC_SENTENCES = {
    "pricing": ("Clear prices for {name}, with no hidden fees.", "Pick the plan that fits you; change it anytime."),
    "contact": ("Send us a message and the {name} team replies within a day.", "Questions? We are happy to help."),
    "gallery": ("A few favourite moments from {name}.", "See what {name} looks like up close."),
    "testimonial": ("Real words from people who chose {name}.",),
    "feature": ("What makes {name} different, in a few lines.", "Thoughtful touches that set {name} apart."),
    "team": ("The friendly faces who run {name}.",),
}
FAQS = (("How do I get started with {name}?", "Just get in touch and we will guide you through the first steps."),
        ("Where can I find {name}?", "{name} is easy to reach{place}; directions are on our contact page."),
        ("Is {name} right for beginners?", "Yes. {name} welcomes newcomers and regulars alike."),
        ("Can I change or cancel my booking?", "You can change or cancel up to 24 hours ahead, free of charge."),
        ("Do you offer gift cards?", "Gift cards are available in any amount, at {name} or online."),
        ("What should I bring on my first visit?", "Just yourself. {name} provides everything else you need."),
        ("How much does {name} cost?", "Prices are listed on this page, and every option includes friendly support."),
        ("Are there discounts for regulars?", "Regulars of {name} get a loyalty discount after five visits."))
QUOTES = ("{name} exceeded every expectation. I recommend them to all my friends.",
          "Warm, professional and genuinely caring. {name} is the best {subject} around.",
          "I found {name} by chance and have been coming back ever since.",
          "From the first message to the last detail, {name} was a joy to work with.")
FEATURES = (("Friendly support", "Real people answer, usually within the hour."),
            ("Flexible hours", "Early mornings, late evenings and weekends too."),
            ("Free consultation", "A first conversation with {name} costs nothing."),
            ("Online booking", "Book online in under a minute, day or night."),
            ("Expert advice", "Years of experience go into every recommendation."),
            ("Members' perks", "Regulars of {name} enjoy discounts and early access."),
            ("No hidden fees", "The price you see is the price you pay."),
            ("Local and sustainable", "We work with local suppliers{place} wherever we can."),
            ("Personal attention", "Every visit to {name} is tailored to you."))
FIRST_NAMES = ("Maya", "Lucas", "Amara", "Jonas", "Sofia", "Ravi", "Elena", "Tom", "Aisha", "Noah", "Ines", "Kenji")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Patel", "Santos", "Becker", "Nakamura", "Rossi", "Haddad", "Byrne")
PLAN_NAMES = (("Starter", "Standard", "Premium", "Enterprise"), ("Basic", "Plus", "Pro", "Ultimate"),
              ("Drop-in", "Monthly", "Unlimited", "Annual"), ("Essential", "Signature", "Deluxe", "Complete"))
PRICES = (9, 19, 29, 49, 79, 99, 149, 199, 299)
CTA_BY_SUBJECT = {"studio": "Book a class", "yoga": "Book a class", "gym": "Book a class", "fitness": "Book a class",
                  "restaurant": "Reserve a table", "cafe": "Reserve a table", "bar": "Reserve a table",
                  "bakery": "Order now", "shop": "Shop now", "store": "Shop now", "boutique": "Shop now",
                  "clinic": "Book an appointment", "dental": "Book an appointment", "salon": "Book an appointment",
                  "spa": "Book an appointment", "agency": "Start a project", "photographer": "Check availability",
                  "school": "Enroll today", "teacher": "Book a lesson", "hotel": "Book your stay", "firm": "Talk to us"}
TOPIC_CTAS = {"pricing": ("Choose plan", "Start today"), "contact": ("Send message", "Get in touch"),
              "gallery": ("View gallery", "See more"), "faq": ("Ask a question",), "team": ("Meet us",)}
GENERIC_CTAS = ("Get started", "Learn more", "Contact us", "Book now", "Explore {name}")
NAV_LABELS = {"hero": "Home", "pricing": "Pricing", "faq": "FAQ", "testimonial": "Reviews", "contact": "Contact",
              "gallery": "Gallery", "feature": "Services", "team": "About us", "navigation": "Menu", "footer": "More"}
FIELDS = (("full_name", "Your name"), ("email", "Email address"), ("phone", "Phone"), ("message", "Message"),
          ("company", "Company"), ("preferred_date", "Preferred date"))
SCENES = ("The welcoming entrance of {name}", "A quiet corner at {name}", "The {name} team at work",
          "Details up close at {name}", "A busy afternoon at {name}", "Morning light at {name}")
JOBS = ("Regular client", "Customer since 2019", "First-time visitor", "Local resident")
MAP_KEYS = (({"social"}, ["instagram", "facebook", "linkedin", "youtube"]),
            ({"color", "colour", "palette", "theme"}, ["primary", "accent", "background", "text"]))
ROLES = (("email", {"email", "mail"}), ("phone", {"phone", "tel", "telephone", "mobile"}),
         ("date", {"date", "created", "updated", "modified", "deadline", "timestamp"}),
         ("alt", {"alt", "caption"}), ("image", {"src", "image", "img", "avatar", "logo", "photo", "thumbnail"}),
         ("link", {"href", "link", "url", "website", "permalink"}), ("slug", {"slug", "anchor", "handle", "path"}),
         ("color", {"color", "colour", "hex"}), ("question", {"question"}), ("answer", {"answer"}),
         ("quote", {"quote", "testimonial", "review", "comment"}),
         ("person", {"author", "person", "customer", "client", "member", "reviewer"}),
         ("job", {"role", "position", "job", "occupation", "company"}),
         ("cta", {"label", "cta", "button", "action", "submit"}),
         ("heading", {"title", "heading", "headline", "tagline"}), ("name", {"name", "brand"}),
         ("body", {"subtitle", "subheadline", "description", "body", "text", "content", "summary", "paragraph",
                   "bio", "intro", "excerpt", "lead", "blurb", "details", "message"}),
         ("feature", {"feature", "benefit", "perk", "include"}), ("tag", {"tag", "keyword", "category"}),
         ("currency", {"currency"}), ("period", {"period", "interval", "billing", "frequency"}),
         ("price", {"price", "cost", "amount"}), ("city", {"city", "town", "location"}),
         ("address", {"address", "street"}), ("icon", {"icon"}))
LINK_OWNERS = {"link", "nav", "navigation", "children"}


def role_of(key: str, owner: str = "", topic: str | None = None, kind: str = "") -> str:
    """What a string property is for, from its name and the object and section it sits in."""
    keys, owners = {stem(w) for w in words_of(key)}, {stem(w) for w in words_of(owner)}
    role = next((role for role, names in ROLES if keys & names), "heading" if not key else "body")
    if role in ("name", "slug", "heading", "cta") and owners & {"field", "input"}:
        return "field-name" if role in ("name", "slug") else "field-label"
    if role in ("name", "heading", "cta", "link") and owners & LINK_OWNERS:
        return "nav-link" if role == "link" else "nav-label"
    if (role in ("name", "heading") and owners & {"plan", "tier"}) or (role == "name" and topic == "pricing"):
        return "plan"
    if role in ("name", "heading", "body") and owners & {"feature", "benefit", "service", "perk"}:
        return "feature-line" if role == "body" else "feature"
    if role == "name" and (topic in ("testimonial", "team") or owners & {"author", "person", "member"}):
        return "person"
    if role == "body" and {stem(w) for w in words_of(kind)} & {"heading", "title", "headline"}:
        return "heading"
    return role


def copy_for(key: str, brief: Brief, rng: Random, *, owner: str = "", topic: str | None = None,
             index: int = 0, kind: str = "") -> list[str]:
    """Candidate strings for a property named `key` (of `owner`, in a `kind` of object), best first."""
    fill = {"name": brief.name, "subject": brief.subject.lower(), "place": f" in {brief.place}" if brief.place else ""}

    def pick(options: tuple[str, ...]) -> str:
        return rng.choice(options).format(**fill)

    def nth(options: tuple[Any, ...]) -> Any:  # walked by item index, so the items of a list differ
        return options[(sum(map(ord, brief.subject)) + index) % len(options)]

    slug = slugify(brief.subject)
    asked = sorted(brief.topics, key=brief.topics.__getitem__) or ["team", "feature", "contact"]
    target = asked[index % len(asked)]
    by_subject = [cta for word, cta in CTA_BY_SUBJECT.items() if word in words_of(brief.subject)]
    by_topic = [pick(TOPIC_CTAS[topic])] if topic in TOPIC_CTAS else []
    texts: dict[str, Callable[[], list[str]]] = {
        "email": lambda: [f"hello@{slug}.com", "hello@example.com"],
        "phone": lambda: [f"+1 555 01{rng.randrange(100):02d}"],
        "date": lambda: [f"20{rng.randrange(20, 27)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T10:00:00Z"],
        "alt": lambda: [pick(SCENES)],
        "image": lambda: [f"https://images.example.com/{slug}/{topic or 'photo'}-{index + 1}.jpg"],
        "link": lambda: [f"#{topic or slugify(key)}", f"https://example.com/{slug}/{slugify(topic or key)}"],
        "slug": lambda: [slugify(f"{brief.subject} {topic or ''}"), slug],
        "color": lambda: [f"#{rng.randrange(0x1000000):06x}"],
        "question": lambda: [nth(FAQS)[0].format(**fill)],
        "answer": lambda: [nth(FAQS)[1].format(**fill)],
        "quote": lambda: [pick(QUOTES)],
        "person": lambda: [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"],
        "job": lambda: [rng.choice(JOBS)],
        "cta": lambda: (by_topic + by_subject if topic != "hero" else by_subject + by_topic) + [pick(GENERIC_CTAS)],
        "heading": lambda: [pick(TOPIC_HEADINGS.get(topic or "", DEFAULT_HEADINGS))],
        "name": lambda: [brief.name],
        "body": lambda: [" ".join(dict.fromkeys((pick(TOPIC_SENTENCES.get(topic or "", SENTENCES)), pick(SENTENCES))))],
        "feature": lambda: [nth(FEATURES)[0]],
        "feature-line": lambda: [nth(FEATURES)[1].format(**fill)],
        "field-name": lambda: [nth(FIELDS)[0]],
        "field-label": lambda: [nth(FIELDS)[1]],
        "nav-label": lambda: [NAV_LABELS[target], pick(GENERIC_CTAS)],
        "nav-link": lambda: [f"#{target}", f"https://example.com/{slug}/{target}"],
        "plan": lambda: [PLAN_NAMES[len(brief.subject) % len(PLAN_NAMES)][index % 4]],
        "tag": lambda: [nth(tuple(s for s in brief.stems if s not in PAGE_WORDS) or (slug,))],
        "currency": lambda: ["USD", "EUR"],
        "period": lambda: ["month", "year"],
        "price": lambda: [f"${PRICES[index % len(PRICES)]}"],
        "city": lambda: [brief.place or rng.choice(("Lisbon", "Portland", "Melbourne", "Utrecht"))],
        "address": lambda: [f"{rng.randrange(1, 200)} Market Street"],
        "icon": lambda: [rng.choice(("star", "heart", "check", "leaf", "sparkles", "sun"))],
    }
    return texts[role_of(key, owner, topic, kind)]()


def plausible_number(key: str, brief: Brief, rng: Random, *, index: int = 0, default: Any = None) -> float:
    """A number that reads right for a property named `key`: prices rise along a list of plans."""
    names = {stem(w) for w in words_of(key)}
    if names & {"price", "cost", "amount", "fee"}:
        return PRICES[min(len(brief.subject) % 3 + 2 * index, len(PRICES) - 1)]
    hints = {"rating": (4.5, 5), "star": (4.5, 5), "year": tuple(range(2005, 2025)), "level": (2,),
             "width": (800, 1200, 1600), "height": (400, 600, 800), "order": (index + 1,), "position": (index + 1,)}
    for name, choices in hints.items():
        if name in names:
            return rng.choice(choices)
    return default if isinstance(default, int | float) and not isinstance(default, bool) else rng.randint(1, 12)


def map_keys_for(key: str, brief: Brief) -> list[str]:
    """Keys for an object used as a map (`social`, `colors`), else the prompt's own words."""
    names = {stem(w) for w in words_of(key)}
    pool = next((keys for words, keys in MAP_KEYS if names & words), None)
    return pool or [*dict.fromkeys([*(s for s in brief.stems if s not in PAGE_WORDS), "main", "extra", "info"])]


def format_candidates(fmt: str, written: list[str], brief: Brief, rng: Random, index: int) -> list[str] | None:
    """Strings of a known `format`, the copy `written` for the property first when it has that shape;
    None for a format no validator checks."""
    slug = slugify(brief.subject)
    day = f"20{rng.randrange(20, 27)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    hex_id = f"{rng.getrandbits(128):032x}"
    by_format = {
        "email": [f"hello@{slug}.com", "hi@example.com", "a@b.co"],
        "uri": [f"https://example.com/{slug}", "https://example.com", "https://a.co"],
        "date": [day],
        "date-time": [f"{day}T{rng.randrange(8, 19):02d}:{rng.choice(('00', '15', '30', '45'))}:00Z"],
        "time": [f"{rng.randrange(8, 19):02d}:30:00Z"],
        "uuid": [f"{hex_id[:8]}-{hex_id[8:12]}-4{hex_id[13:16]}-a{hex_id[17:20]}-{hex_id[20:]}"],
        "hostname": [f"{slug}.example.com", "example.com", "a.co"],
        "ipv4": [f"192.0.2.{index % 254 + 1}"],
        "ipv6": [f"2001:db8::{index + 1:x}"],
        "duration": [f"P{index + 1}D"],
    }
    shapes = {"email": r"[\w.+-]+@[\w-]+(\.[\w-]+)+", "uri": r"https://[\w.-]+(/[\w./-]*)?"}
    fmt = {"idn-email": "email", "url": "uri", "iri": "uri", "uri-reference": "uri", "iri-reference": "uri",
           "idn-hostname": "hostname"}.get(fmt, fmt)
    if fmt not in by_format:
        return None
    return [text for text in written if re.fullmatch(shapes.get(fmt, "(?!)"), text)] + by_format[fmt]


def fit_string(candidates: list[str], low: int, high: int | None, pattern: str | None, rng: Random,
               *, trim: bool = True) -> str:
    """The first candidate (or its slug) that fits the length and pattern, else a string drawn from the pattern."""
    if high is not None and low > high:
        raise ValueError(f"minLength {low} is greater than maxLength {high}")
    variants = candidates + [slugify(c, sep) for c in candidates if trim for sep in "-_"] if pattern else candidates
    for candidate in variants:
        text = _fit_length(candidate, low, high, filler=candidates[0] or "and more") if trim else candidate
        if low <= len(text) <= (high if high is not None else len(text)) and (not pattern or re.search(pattern, text)):
            return text
    drawn = sample_pattern(pattern or ".*", rng, low, high)
    if drawn is None:
        raise ValueError(f"cannot write a string matching {pattern!r} with length {low}..{high}")
    return drawn


def _fit_length(text: str, low: int, high: int | None, filler: str) -> str:
    last_sentence = re.compile(r"(?<=[.?!])\s+[^.?!]+[.?!]$")
    while high is not None and len(text) > high and last_sentence.search(text):
        text = last_sentence.sub("", text)  # whole sentences go first
    end = text[-1] if text[-1:] in (".", "?", "!") else ""
    while len(text) < low:  # the closing mark stays last: patterns like "\?$" check it
        text = f"{text[:len(text) - len(end)]} {filler}".rstrip(".?!") + end
    if high is not None and len(text) > high:
        room = high - len(end)
        cut = text[:room + 1].rsplit(" ", 1)[0] if " " in text[:room + 1] else text[:room]
        text = (cut[:room].rstrip(" ,;:-\u2013") or text[:room]) + end
    return text


def sample_pattern(pattern: str, rng: Random, low: int = 0, high: int | None = None) -> str | None:
    """A string matching a simple regular expression of `low`..`high` characters, or None."""
    try:
        tree = _RegexReader(pattern).read()
    except (ValueError, IndexError):
        return None
    for attempt in range(60):
        text = _draw(tree, rng, spread=4 + low + attempt // 10)
        if low <= len(text) <= (high if high is not None else len(text)) and re.search(pattern, text):
            return text
    return None


PRINTABLE = string.ascii_letters + string.digits
ESCAPES = {"d": string.digits, "w": PRINTABLE + "_", "s": " ", "D": string.ascii_letters, "W": "-",
           "S": PRINTABLE, "n": "\n", "t": "\t", "b": "", "B": ""}


class _RegexReader:
    """Reads a simple regex into ("chars", str), ("alt", [("seq", [...]), ...]) and ("repeat", node, low, high);
    lookarounds and backreferences are refused."""

    def __init__(self, pattern: str) -> None:
        self.pattern, self.pos = pattern, 0

    def read(self) -> tuple:
        tree = self.alternation()
        if self.pos != len(self.pattern):
            raise ValueError("unbalanced pattern")
        return tree

    def alternation(self) -> tuple:
        options, items = [], []
        while (char := self.peek()) not in ("", ")"):
            if char == "|":
                self.pos += 1
                options, items = [*options, ("seq", items)], []
            else:
                items.append(self.quantified(self.atom()))
        return ("alt", [*options, ("seq", items)])

    def atom(self) -> tuple:
        char = self.take()
        if char == "(":
            if self.peek() == "?" and self.take() + self.take() != "?:":
                raise ValueError("lookarounds are not supported")
            inner = self.alternation()
            if self.take() != ")":
                raise ValueError("unclosed group")
            return inner
        if char == "[":
            return ("chars", self.char_class())
        if char == "\\":
            escaped = self.take()
            if escaped.isdigit():
                raise ValueError("backreferences are not supported")
            return ("chars", ESCAPES.get(escaped, escaped))
        return ("chars", {"^": "", "$": "", ".": PRINTABLE}.get(char, char))

    def char_class(self) -> str:
        negated = self.peek() == "^"
        self.pos += negated
        chars = ""
        while (char := self.take()) != "]" or not chars:
            if char == "\\":
                chars += ESCAPES.get(escaped := self.take(), escaped)
            elif self.peek() == "-" and self.pattern[self.pos + 1] != "]":
                self.pos += 1
                chars += "".join(map(chr, range(ord(char), ord(self.take()) + 1)))
            else:
                chars += char
        return "".join(c for c in PRINTABLE + "-_ " if c not in chars) if negated else chars

    def quantified(self, node: tuple) -> tuple:
        match = re.match(r"[?*+]|\{(\d+)(,(\d*))?\}", self.pattern[self.pos:])
        if not match:
            return node
        self.pos += match.end()
        if self.peek() in ("?", "+"):  # lazy and possessive forms match the same strings
            self.pos += 1
        if match.group(1) is None:
            return ("repeat", node, *{"?": (0, 1), "*": (0, None), "+": (1, None)}[match.group(0)])
        low = int(match.group(1))
        return ("repeat", node, low, low if not match.group(2) else int(match.group(3)) if match.group(3) else None)

    def peek(self) -> str:
        return self.pattern[self.pos:self.pos + 1]

    def take(self) -> str:
        self.pos += 1
        return self.pattern[self.pos - 1]


def _draw(node: tuple, rng: Random, spread: int) -> str:
    kind = node[0]
    if kind == "chars":
        return rng.choice(node[1]) if node[1] else ""
    if kind == "seq":
        return "".join(_draw(child, rng, spread) for child in node[1])
    if kind == "alt":
        return _draw(rng.choice(node[1]), rng, spread)
    _, child, low, high = node
    count = rng.randint(low, high if high is not None else low + spread)
    return "".join(_draw(child, rng, spread) for _ in range(count))
