"""What a prompt asks for, read without a model, and the strings the offline generator
writes from it: headings, sentences, names, links and colours that fit a string schema."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from random import Random

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
STOP_WORDS = frozenset(
    "a an the and or with for of about to in on at by from our my your their we i us is are be need needs want "
    "wants please create make build design write generate give show shows include includes including that this "
    "which where who some any new simple one single also plus".split())
PAGE_WORDS = frozenset("page site website web webpage homepage landing one-page onepage".split())
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
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


TOPIC_OF_STEM = {stem(word): topic for topic, words in TOPIC_WORDS.items() for word in words}


def topics_in(text: str) -> set[str]:
    lowered = text.lower()
    found = {topic for phrase, topic in TOPIC_PHRASES.items() if phrase in lowered}
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
    words = words_of(prompt)
    stems: dict[str, int] = {}
    topics: dict[str, int] = {}
    for position, word in enumerate(words):
        if word in STOP_WORDS or stem(word) in subject_stems:
            continue  # "a photo studio" is a subject, not a request for a gallery
        stems.setdefault(stem(word), position)
        if stem(word) in TOPIC_OF_STEM:
            topics.setdefault(TOPIC_OF_STEM[stem(word)], position)
    lowered = prompt.lower()
    for phrase, topic in TOPIC_PHRASES.items():
        if phrase in lowered:
            topics.setdefault(topic, len(words_of(lowered[:lowered.index(phrase)])))
    place = PLACE.search(prompt)
    return Brief(subject=subject, place=place.group(1) if place else "", stems=stems, topics=topics)


def _subject_of(prompt: str) -> str:
    for start in SUBJECT_START.finditer(prompt):
        phrase = _content_run(SUBJECT_END.split(prompt[start.end():], maxsplit=1)[0].split())
        if phrase:
            return phrase
    return _content_run(prompt.split(), skip_leading=True) or "our business"


def _content_run(tokens: list[str], *, skip_leading: bool = False) -> str:
    """The first run of up to four content words: articles, page words and topics end it."""
    run: list[str] = []
    for token in tokens:
        word = token.strip(string.punctuation + "“”‘’")
        lowered = word.lower()
        ignorable = not word or lowered in STOP_WORDS or lowered in PAGE_WORDS or topics_in(lowered)
        if ignorable and (run or not skip_leading and lowered not in STOP_WORDS):
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
    "navigation": ("{name}",),
    "footer": ("{name}",),
}
DEFAULT_HEADINGS = ("{name}", "About {name}", "The {name} story", "{name} at a glance", "More from {name}")
SENTENCES = (
    "{name} is here for you{place}, with care in every detail.",
    "At {name}, we keep things personal{place} and refreshingly simple.",
    "Everything you love about {subject}, in one place{place}.",
    "{name} brings a fresh take on {subject}{place}.",
    "Come as you are: {name} makes it easy to feel at home.",
    "Friendly people, honest advice and a {subject} you will want to return to.",
)
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
        ("Are there discounts for returning customers?", "Regulars of {name} get a loyalty discount after five visits."))
QUOTES = ("{name} exceeded every expectation. I recommend them to all my friends.",
          "Warm, professional and genuinely caring. {name} is the best {subject} around.",
          "I found {name} by chance and have been coming back ever since.",
          "From the first message to the last detail, {name} was a joy to work with.")
FIRST_NAMES = ("Maya", "Lucas", "Amara", "Jonas", "Sofia", "Ravi", "Elena", "Tom", "Aisha", "Noah", "Ines", "Kenji")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Patel", "Santos", "Becker", "Nakamura", "Rossi", "Haddad", "Byrne")
PLAN_NAMES = (("Starter", "Standard", "Premium", "Enterprise"), ("Basic", "Plus", "Pro", "Ultimate"),
              ("Drop-in", "Monthly", "Unlimited", "Annual"), ("Essential", "Signature", "Deluxe", "Complete"))
CTA_BY_SUBJECT = {"studio": "Book a class", "yoga": "Book a class", "gym": "Book a class", "fitness": "Book a class",
                  "restaurant": "Reserve a table", "cafe": "Reserve a table", "bistro": "Reserve a table",
                  "bakery": "Order now", "shop": "Shop now", "store": "Shop now", "boutique": "Shop now",
                  "clinic": "Book an appointment", "dental": "Book an appointment", "salon": "Book an appointment",
                  "spa": "Book an appointment", "agency": "Start a project", "photographer": "Check availability",
                  "school": "Enroll today", "academy": "Enroll today", "hotel": "Book your stay", "firm": "Talk to us"}
TOPIC_CTAS = {"pricing": ("Choose plan", "Start today"), "contact": ("Send message", "Get in touch"),
              "gallery": ("View gallery", "See more"), "faq": ("Ask a question",), "team": ("Meet us",)}
GENERIC_CTAS = ("Get started", "Learn more", "Contact us", "Book now", "Explore {name}")
FEATURES = ("Friendly support", "Flexible hours", "Free consultation", "Online booking", "Expert advice",
            "Members' perks", "No hidden fees", "Local and sustainable", "Personal attention")
FIELD_NAMES = ("full_name", "email", "phone", "message", "company", "preferred_date")
FIELD_LABELS = ("Your name", "Email address", "Phone", "Message", "Company", "Preferred date")
SCENES = ("The welcoming entrance of {name}", "A quiet corner at {name}", "The {name} team at work",
          "Details up close at {name}", "A busy afternoon at {name}", "Morning light at {name}")
ROLES = (("email", {"email", "mail"}), ("phone", {"phone", "tel", "telephone", "mobile"}),
         ("alt", {"alt", "caption"}), ("image", {"src", "image", "img", "avatar", "logo", "photo", "thumbnail"}),
         ("link", {"href", "link", "url", "website", "permalink"}), ("slug", {"slug", "anchor", "handle", "path"}),
         ("color", {"color", "colour", "hex"}), ("question", {"question"}), ("answer", {"answer"}),
         ("quote", {"quote", "testimonial", "review", "comment"}),
         ("person", {"author", "person", "customer", "client", "member", "reviewer"}),
         ("job", {"role", "position", "job", "occupation", "company"}),
         ("cta", {"label", "cta", "button", "action", "submit"}),
         ("heading", {"title", "heading", "headline", "tagline", "brand"}), ("name", {"name"}),
         ("body", {"subtitle", "subheadline", "description", "body", "text", "content", "summary", "paragraph",
                   "bio", "intro", "excerpt", "lead", "blurb", "details", "message"}),
         ("feature", {"feature", "benefit", "perk", "include"}), ("tag", {"tag", "keyword", "category"}),
         ("currency", {"currency"}), ("period", {"period", "interval", "billing", "frequency"}),
         ("price", {"price", "cost", "amount"}), ("city", {"city", "town", "location"}),
         ("address", {"address", "street"}), ("icon", {"icon"}))
FIELD_OWNERS = {"field", "input"}
LINK_OWNERS = {"link", "nav", "navigation", "children"}
NAV_LABELS = {"hero": "Home", "pricing": "Pricing", "faq": "FAQ", "testimonial": "Reviews", "contact": "Contact",
              "gallery": "Gallery", "feature": "Services", "team": "About us", "navigation": "Menu", "footer": "More"}


def copy_for(key: str, brief: Brief, rng: Random, *, owner: str = "", topic: str | None = None,
             index: int = 0) -> list[str]:
    """Candidate strings for a property named `key`, best first."""
    key_stems = {stem(w) for w in words_of(key)}
    owner_stems = {stem(w) for w in words_of(owner)}
    role = next((role for role, names in ROLES if key_stems & names), "heading" if not key else "body")
    fill = {"name": brief.name, "subject": brief.subject.lower(), "place": f" in {brief.place}" if brief.place else ""}

    def pick(options: tuple[str, ...]) -> str:
        return rng.choice(options).format(**fill)

    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    turn = sum(map(ord, brief.subject))  # where this business starts in lists walked by item index
    anchor = f"#{topic or slugify(key)}"
    if owner_stems & FIELD_OWNERS and role in ("name", "cta", "heading", "slug"):
        labels = FIELD_NAMES if role in ("name", "slug") else FIELD_LABELS
        return [labels[index % len(labels)]]
    if owner_stems & LINK_OWNERS and role in ("cta", "heading", "name", "link"):
        wanted = sorted(brief.topics, key=brief.topics.__getitem__) or ["team", "feature", "contact"]
        target = wanted[index % len(wanted)]
        return [f"#{target}"] if role == "link" else [NAV_LABELS[target], pick(GENERIC_CTAS)]
    if role in ("name", "heading") and owner_stems & {"plan", "tier"} or role == "name" and topic == "pricing":
        plans = PLAN_NAMES[len(brief.subject) % len(PLAN_NAMES)]
        return [plans[index % len(plans)]]
    if role in ("name", "heading") and owner_stems & {"feature", "benefit", "service", "perk"}:
        role = "feature"
    if role == "name" and (topic in ("testimonial", "team") or owner_stems & {"author", "person", "member"}):
        role = "person"
    texts = {
        "email": lambda: [f"hello@{slugify(brief.subject)}.com", "hello@example.com"],
        "phone": lambda: [f"+1 555 01{rng.randrange(100):02d}"],
        "alt": lambda: [pick(SCENES)],
        "image": lambda: [f"https://images.example.com/{slugify(brief.subject)}/{topic or 'photo'}-{index + 1}.jpg"],
        "link": lambda: [anchor, f"https://example.com/{slugify(brief.subject)}/{slugify(topic or key)}"],
        "slug": lambda: [slugify(f"{brief.subject} {topic or ''}"), slugify(brief.subject)],
        "color": lambda: [f"#{rng.randrange(0x1000000):06x}"],
        "question": lambda: [FAQS[(turn + index) % len(FAQS)][0].format(**fill)],
        "answer": lambda: [FAQS[(turn + index) % len(FAQS)][1].format(**fill)],
        "quote": lambda: [pick(QUOTES)],
        "person": lambda: [person],
        "job": lambda: [rng.choice(("Regular client", "Customer since 2019", "First-time visitor", "Local resident"))],
        "cta": lambda: _call_to_action(brief, topic, pick),
        "heading": lambda: [pick(TOPIC_HEADINGS.get(topic or "", DEFAULT_HEADINGS))],
        "name": lambda: [brief.name],
        "body": lambda: [" ".join(dict.fromkeys((pick(TOPIC_SENTENCES.get(topic or "", SENTENCES)), pick(SENTENCES))))],
        "feature": lambda: [FEATURES[(turn + index) % len(FEATURES)]],
        "tag": lambda: [rng.choice(list(brief.stems) or [slugify(brief.subject)])],
        "currency": lambda: ["USD", "EUR"],
        "period": lambda: ["month", "year"],
        "price": lambda: [f"${(9, 19, 29, 49, 99)[index % 5]}"],
        "city": lambda: [brief.place or rng.choice(("Lisbon", "Portland", "Melbourne", "Utrecht"))],
        "address": lambda: [f"{rng.randrange(1, 200)} Market Street"],
        "icon": lambda: [rng.choice(("star", "heart", "check", "leaf", "sparkles", "sun"))],
    }
    return texts[role]()


def _call_to_action(brief: Brief, topic: str | None, pick: Callable[[tuple[str, ...]], str]) -> list[str]:
    by_subject = [cta for word, cta in CTA_BY_SUBJECT.items() if word in words_of(brief.subject)]
    by_topic = [pick(TOPIC_CTAS[topic])] if topic in TOPIC_CTAS else []
    return (by_topic + by_subject if topic != "hero" else by_subject + by_topic) + [pick(GENERIC_CTAS)]


def format_candidates(fmt: str, key: str, brief: Brief, rng: Random, index: int) -> list[str] | None:
    """Strings of a known `format`, longest and most telling first; None for formats no validator checks."""
    slug = slugify(brief.subject)
    day = f"20{rng.randrange(20, 27)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    hex_id = f"{rng.getrandbits(128):032x}"
    by_format = {
        "email": [f"hello@{slug}.com", "hi@example.com", "a@b.co"],
        "uri": [f"https://example.com/{slug}/{slugify(key)}", "https://example.com", "https://a.co"],
        "date": [day],
        "date-time": [f"{day}T{rng.randrange(8, 19):02d}:{rng.choice(('00', '15', '30', '45'))}:00Z"],
        "time": [f"{rng.randrange(8, 19):02d}:30:00Z"],
        "uuid": [f"{hex_id[:8]}-{hex_id[8:12]}-4{hex_id[13:16]}-a{hex_id[17:20]}-{hex_id[20:]}"],
        "hostname": [f"{slug}.example.com", "example.com", "a.co"],
        "ipv4": [f"192.0.2.{index % 254 + 1}"],
        "ipv6": [f"2001:db8::{index + 1:x}"],
        "duration": [f"P{index + 1}D"],
    }
    aliases = {"idn-email": "email", "url": "uri", "iri": "uri", "uri-reference": "uri", "iri-reference": "uri",
               "idn-hostname": "hostname"}
    return by_format.get(aliases.get(fmt, fmt))


def fit_string(candidates: list[str], low: int, high: int | None, pattern: str | None, rng: Random,
               *, trim: bool = True) -> str:
    """The first candidate (or slug of one) that fits the length and pattern, else one drawn from the pattern."""
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
    end = text[-1] if text[-1:] in (".", "?", "!") else ""
    while len(text) < low:  # keep the closing mark last: patterns like "\?$" check it
        text = f"{text[:len(text) - len(end)]} {filler}".rstrip(".?!") + end
    if high is not None and len(text) > high:
        room = high - len(end)
        cut = text[:room + 1].rsplit(" ", 1)[0] if " " in text[:room + 1] else text[:room]
        text = (cut[:room].rstrip(" ,;:-–") or text[:room]) + end
    return text


def sample_pattern(pattern: str, rng: Random, low: int = 0, high: int | None = None) -> str | None:
    """A string matching a simple regular expression (classes, groups, alternation, quantifiers)."""
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
    """Reads a regex into ("chars", str) / ("seq", [..]) / ("alt", [..]) / ("repeat", node, low, high)."""

    def __init__(self, pattern: str) -> None:
        self.pattern, self.pos = pattern, 0

    def read(self) -> tuple:
        tree = self.alternation()
        if self.pos != len(self.pattern):
            raise ValueError("unbalanced pattern")
        return tree

    def alternation(self) -> tuple:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return ("alt", options)

    def sequence(self) -> tuple:
        items = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.quantified(self.atom()))
        return ("seq", items)

    def atom(self) -> tuple:
        char = self.take()
        if char == "(":
            if self.peek() == "?":
                if self.pattern[self.pos:self.pos + 2] != "?:":
                    raise ValueError("lookarounds are not supported")
                self.pos += 2
            inner = self.alternation()
            if self.take() != ")":
                raise ValueError("unclosed group")
            return inner
        if char == "[":
            return ("chars", self.char_class())
        if char == "\\":
            escaped = self.take()
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
        char = self.peek()
        if char in ("?", "*", "+"):
            self.pos += 1
            bounds = {"?": (0, 1), "*": (0, None), "+": (1, None)}[char]
        elif char == "{" and (match := re.match(r"\{(\d+)(,(\d*))?\}", self.pattern[self.pos:])):
            self.pos += match.end()
            low = int(match.group(1))
            bounds = (low, low if not match.group(2) else int(match.group(3)) if match.group(3) else None)
        else:
            return node
        if self.peek() in ("?", "+"):  # lazy and possessive forms match the same strings
            self.pos += 1
        return ("repeat", node, *bounds)

    def peek(self) -> str:
        return self.pattern[self.pos:self.pos + 1]

    def take(self) -> str:
        char = self.pattern[self.pos]
        self.pos += 1
        return char


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
