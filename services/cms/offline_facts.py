"""What a brief says that a visitor could act on, read from the owner's own words.

The offline planner's facts: a phone number, an e-mail, an address, opening hours and prices
exactly as the brief writes them, the city of its location and its main offerings as short
phrases of its text. Nothing is guessed: a brief that gives none of these gives empty fields."""

# ruff: noqa: RUF001 - owners write en dashes and typographic apostrophes; so do these words

from __future__ import annotations

import re
import unicodedata
from typing import Any

_WS = r"[ \t\u00a0\u202f]"

# Opening hours: days (en, fr, de, es) followed by one or two time ranges.
_DAY = (r"(?:mon(?:day)?s?|tue(?:s(?:day)?)?s?|wed(?:nesday)?s?|thu(?:r(?:s(?:day)?)?)?s?|fri(?:day)?s?|"
        r"sat(?:urday)?s?|sun(?:day)?s?|lundis?|mardis?|mercredis?|jeudis?|vendredis?|samedis?|dimanches?|"
        r"lun|mar|mer|jeu|ven|sam|dim|montags?|dienstags?|mittwochs?|donnerstags?|freitags?|samstags?|sonntags?|"
        r"mo|di|mi|do|fr|sa|so|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bados?|domingos?|mi[eé]|jue|vie|"
        r"s[aá]b|dom)\.?(?!\w)")
_DAY_JOIN = r"\s*(?:-|–|—|to|through|thru|à|au|al|a|bis|und|and|&|et|y|,|/)\s*"
_EVERY_DAY = (r"(?:daily|every\s+day|7\s+days\s+a\s+week|weekdays|weekends?|tous\s+les\s+jours|7j/7|en\s+semaine|"
              r"le\s+week-end|t[äa]glich|werktags|am\s+wochenende|todos\s+los\s+d[ií]as|a\s+diario|"
              r"entre\s+semana|(?:los\s+)?fines?\s+de\s+semana)")
_DAYS = (rf"(?:(?:from|on|the|du|le|les|von|am|de|del|desde|el|los)\s+)?"
         rf"(?:{_DAY}(?:{_DAY_JOIN}{_DAY})*|{_EVERY_DAY})")
_TIME = r"(?<![\d:.])\d{1,2}(?:[:.h]\d{2})?(?:\s?(?:[ap]\.?m\.?|h(?!\w)|uhr))?(?!\d)"
_TIME_JOIN = r"\s*(?:-|–|—|to|till|until|à|au|a|bis|hasta\s+las|hasta|jusqu['’]à)\s*"
_RANGE = rf"{_TIME}{_TIME_JOIN}{_TIME}(?:\s?(?:uhr|hrs|horas|h)(?!\w))?"
_HOURS = (rf"(?:(?:from|de|von|desde|de\s+las|between|entre)\s+)?{_RANGE}"
          rf"(?:\s*(?:,|and|et|und|y|&|/)\s*(?:(?:de|von|desde|de\s+las)\s+)?{_RANGE})?")
OPENING_HOURS = re.compile(rf"(?<!\w)(?P<days>{_DAYS})\s*[:,]?\s*(?P<hours>{_HOURS})", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(r"^(?:from|on|the|du|le|les|von|am|de|del|desde|el|los)\s+", re.IGNORECASE)

# Prices: an amount with its currency, a range of them, and what it is charged per.
_NUMBER = r"\d{1,3}(?:[,.'’ \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d{1,2})?(?:[.,]-)?(?!\d)"
_CURRENCY_BEFORE = r"(?:US\$|[$£€]|CHF|EUR|USD|GBP|Fr\.)"
_CURRENCY_AFTER = r"(?:€|\$|£|CHF|EUR|USD|GBP|MXN|euros?|dollars?|francs?|Fr\.)"
_AMOUNT = (rf"(?:{_CURRENCY_BEFORE}{_WS}?(?:{_NUMBER})(?:{_WS}?(?:MXN|USD|CAD|AUD))?|"
           rf"(?:{_NUMBER})(?:{_WS}?[-–]{_WS}?(?:{_NUMBER}))?{_WS}?{_CURRENCY_AFTER}(?!\w))")
_UNITS = (r"month|mo|year|yr|hour|hr|h|night|person|day|week|kg|kilo|litre|liter|mois|an|heure|nuit|personne|"
          r"jour|semaine|monat|jahr|stunde|std|nacht|tag|woche|mes|año|hora|noche|persona|día|semana|min")
_PER = r"(?:per|a|an|par|la|le|l['’]|pro|je|por|al|el|la|/)"
_PERIOD = rf"(?:{_WS}?/{_WS}?(?:{_UNITS})\.?(?!\w)|{_WS}{_PER}{_WS}?(?:{_UNITS})(?!\w))"
PRICE = re.compile(rf"(?<![\w$£€])(?P<price>{_AMOUNT}(?:{_WS}*(?:-|–|to|à|bis|a|hasta){_WS}*{_AMOUNT})?(?:{_PERIOD})?"
                   rf"(?:{_WS}(?:TTC|HT|TVAC|inkl\.{_WS}MwSt\.|IVA incluido))?)", re.IGNORECASE)
_ITEM_AFTER = re.compile(rf"^{_WS}(?:a|an|per|each|par|la|le|l['’]|pro|je|por|el|cada|the|for|pour|für|para)"
                         r"(?:\s+(?:le|la|les|l['’]|the|den|die|das|el|los|las))?\s+"
                         r"(?P<item>[^\W\d_][\w'’-]*(?:[ ][^\W\d_][\w'’-]*)?)", re.IGNORECASE)
_ITEM_TRAILER = re.compile(
    r"(?:[\s:=(–—-]+|\b(?:from|for|at|only|just|costs?|is|are|starting at|starts at|priced at|"
    r"à partir de|a partir de|dès|pour|à|coûte|coûtent|est|sont|de|ab|für|kostet|kosten|nur|je|zu|"
    r"desde|por|cuesta|cuestan|a|en|le|la|les|el|los|las|un|une|ein|eine|una|the|a|an))+$", re.IGNORECASE)
_ITEM_LEAD = re.compile(
    r"^(?:(?:and|et|und|y|with|avec|mit|con|plus|our|nos|notre|unsere?|nuestr[oa]s?|the|le|la|les|l['’]|der|die|"
    r"das|el|los|las|a|an|un|une|ein|eine|una|quelques|some|einige|algunos)\b[\s:,]*)+", re.IGNORECASE)
_ITEM_STOP = {"open", "call", "and", "or", "et", "ou", "und", "oder", "y", "o", "with", "avec", "mit", "con", "from",
              "de", "du", "des", "von", "for", "pour", "für", "para", "in", "à", "en", "im", "on", "at", "included",
              "inclus", "compris", "inklusive", "incluido"}

_ABBREVIATIONS = {"min", "str", "tel", "tél", "nr", "no", "st", "ca", "env", "inkl", "zzgl", "approx", "av", "avda",
                  "dr", "hr", "std", "pp", "fr", "chf", "mo", "di", "mi", "do", "sa", "so", "c", "n"}

# Contacts and places.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+(])(?:\+\d{1,3}[ .\-/\u00a0]?|\(\d{1,5}\)[ .\-\u00a0]?)?\d[\d .\-/\u00a0()]{4,20}\d"
                   r"(?![\w'’])(?!\s?(?:€|\$|£|CHF|EUR|h\b|Uhr))")
_STREET_EN = (r"\b\d{1,5}\s+(?:[A-Z][\w'’.-]*\s+){1,4}(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|"
              r"Boulevard|Blvd\.?|Way|Place|Pl\.?|Square|Sq\.?|Row|Court|Ct\.?|Terrace|Crescent|Hill|Parade)(?!\w)")
_STREET_FR = (r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|"
              r"route|cours|passage)\s+[^,.;\n]{2,50}")
_STREET_DE = (r"\b[A-ZÄÖÜ][\wäöüß-]*\s?(?i:straße|strasse|str\.|weg|platz|gasse|allee|ring|damm|ufer)"
              r"\s+\d{1,4}[a-z]?\b")
_STREET_ES = (r"\b(?:Calle|C/|Avenida|Avda\.|Av\.|Plaza|Pza\.|Paseo|Carrer|Camino|Ronda)\s+"
              r"[^,.;\n\d]{2,40}?,?\s*(?:n[º°]\s*)?\d{1,4}\b")
_STREET_NAMED = (r"\b(?:Rue|Avenue|Boulevard|Place|Chemin|Allée|Impasse|Quai|Route)\s+(?:d['’]|de\s+|des\s+|du\s+)?"
                 r"[A-ZÀ-Ü][^,.;\n\d]{1,40}?(?:\s\d{1,4}[a-z]?)?(?=,\s*\d{4,5}\s)")
_POSTAL_TAIL = (r"(?:,?\s+(?:\d{4,5}\s+)?[A-ZÀ-Ü][\w'’-]+(?:[ -](?:[A-ZÀ-Ü0-9][\w'’-]*|im|am|an|der|de|en))*"
                r"(?:\s+[A-Z0-9]{2,4}\s?[0-9][A-Z]{2})?){0,2}")
ADDRESS = re.compile(rf"(?:{_STREET_EN}|{_STREET_FR}|{_STREET_DE}|{_STREET_ES}|{_STREET_NAMED}){_POSTAL_TAIL}")
_COUNTRY_OR_REGION = {
    "uk", "usa", "us", "united kingdom", "united states", "england", "scotland", "wales", "france", "germany",
    "deutschland", "spain", "españa", "espana", "schweiz", "suisse", "switzerland", "österreich", "austria",
    "mexico", "méxico", "canada", "belgique", "belgium", "italy", "italia", "portugal", "ireland"}
_SURROUNDINGS = re.compile(r"\s+(?:and surroundings|and area|et (?:ses )?environs|und Umgebung|y alrededores)$",
                           re.IGNORECASE)
_NEAR = re.compile(r"^(?:near|close to|près d['’]|près de|pres de|bei|nahe|cerca de)\s*", re.IGNORECASE)

# Offerings: short phrases of the text, stripped of the verbs and articles that lead into them.
_OFFER_LEAD = re.compile(
    r"^(?:(?:we|i)\s+(?:offer|provide|sell|make|teach|run|do|bake|brew|fix|repair|organi[sz]e|design|build|host|"
    r"serve|photograph|help(?:\s+with)?|also\s+\w+)|offering|specializ(?:ing|ed)\s+in|speciali[sz]ing\s+in|"
    r"including|plus|also|as\s+well\s+as|with|and|or|for|our|the|a|an|nous\s+\w+ons|on\s+propose|proposant|"
    r"spécialisée?s?\s+(?:dans|en)|avec|et|ou|aussi|ainsi\s+que|nos|notre|des|les|le|la|l['’]|un|une|du|"
    r"wir\s+\w+en|bieten|mit|und|oder|auch|sowie|unsere?|die|der|das|ein|eine|zusätzlich|"
    r"\w+(?:amos|emos|imos)|con|y|o|también|nuestr[oa]s?|los|las|el|una?)\s+", re.IGNORECASE)
_NOT_AN_OFFER = re.compile(
    r"^(?:we|i|you|it|they|nous|je|vous|on|ils|wir|ich|sie|es|nosotros|yo|somos|soy|is|are|am|est|sont|sommes|"
    r"ist|sind|bin|son|hay|every|chaque|jede[rs]?|cada|todos|tous|alle|all|no|pas|kein|sin|ni|"
    r"in|on|at|à|en|im|am|de|du|des|von|del|find|trouvez|finden|encuentra)\b|"
    r"\b(?:can|could|must|need|peut|peuvent|kann|können|puede|pueden|prices?|prix|preise?|precios?|tarifs?|"
    r"tarifas?|products|produits|produkte|productos|plans)\b|"
    r"\b(?:photos?|pictures?|images?|gallery|website|site|page|form|formulaire|fotos?|bilder|seite|formular|"
    r"página|formulario|section|sección|open|ouvert|geöffnet|abierto|call|appelez|anrufen|llámanos|"
    r"contact|kontakt|contacto|book|réservez|buchen|reserva|email|e-mail|phone|téléphone|telefon|teléfono)\b",
    re.IGNORECASE)
_ABOUT_THE_SITE = re.compile(r"\b(?:page|website|site|form|formulaire|seite|formular|página|formulario|web)\b",
                             re.IGNORECASE)
_IDENTITY = re.compile(r"^\s*(?:we\s+are|we['’]re|i\s+am|i['’]m|nous\s+sommes|je\s+suis|wir\s+sind|ich\s+bin|"
                       r"somos|soy)\b", re.IGNORECASE)
_PLACE_CUT = re.compile(r"\s(?:on|in|at|near|around|across|à|au|aux|dans|près|sur|im|am|bei|auf|cerca|junto)\s",
                        re.IGNORECASE)
_PREPOSITION = re.compile(r"\b(?:for|pour|für|para|with|avec|mit|con)\b", re.IGNORECASE)
_CONJUNCTION = re.compile(r"\s+(?:and|&|et|und|y|\+)\s+", re.IGNORECASE)


def extract_facts(brief: dict[str, Any]) -> dict[str, Any]:
    """PlanFacts from the brief's text, exactly as written; empty fields where it says nothing."""
    name = (brief.get("name") or "").strip()
    text = brief.get("business") or ""
    location = brief.get("location") or ""
    said = f"{text}\n{location}"
    email = EMAIL.search(said)
    return {
        "business_name": name[:80] or "-",
        "city": city_of(location),
        "address": address_in(text) or address_in(location),
        "phone": phone_in(text),
        "email": email.group(0).rstrip(".")[:254] if email else "",
        "hours": hours_in(text),
        "prices": prices_in(text),
        "services": services_in(text, name),
    }


def city_of(location: str) -> str:
    """The city part of a location ("Lyon 4e" -> "Lyon", "Bristol, UK" -> "Bristol")."""
    for part in re.split(r"[,;(]|\s+[-–—]\s+", location):
        words = [word for word in _NEAR.sub("", part.strip()).split() if not any(c.isdigit() for c in word)]
        candidate = _SURROUNDINGS.sub("", " ".join(words).strip(" .)"))
        if ADDRESS.search(part) or not candidate or candidate.casefold() in _COUNTRY_OR_REGION:
            continue
        if re.fullmatch(r"[A-Z]{2}", candidate):
            continue
        return candidate[:80]
    return ""


def address_in(text: str) -> str:
    found = ADDRESS.search(text)
    return re.sub(r"\s+", " ", found.group(0)).strip(" ,")[:300] if found else ""


def phone_in(text: str) -> str:
    """The first phone number: a leading +, ( or 0 and seven digits, or nine digits (not a year range)."""
    for found in PHONE.finditer(text):
        phone = re.sub(r"[\s\u00a0]+", " ", found.group(0)).strip(" .-/")
        digits = re.sub(r"\D", "", phone)
        trunk = phone[0] in "+(0"
        if len(digits) > 15 or len(phone) > 30 or len(digits) < (7 if trunk else 9):
            continue
        if re.fullmatch(r"(?:19|20)\d\d\s*[-/]\s*(?:19|20)\d\d", phone):
            continue
        return phone
    return ""


def hours_in(text: str) -> list[dict[str, str]]:
    """Each "days + hours" the text gives, as written ("Tue-Sun" / "9:00-18:00")."""
    hours = []
    for found in OPENING_HOURS.finditer(text):
        days = _LEADING_PREPOSITION.sub("", found.group("days").strip())
        times = _LEADING_PREPOSITION.sub("", found.group("hours").strip())
        times = times[:-1] if times.endswith(".") and not times.endswith(".m.") else times
        if days and times and not re.fullmatch(r"[\d\s:.-]+", days):
            hours.append({"days": days[:40], "hours": times[:40]})
    return hours[:10]


def prices_in(text: str) -> list[dict[str, str]]:
    """Each price as written, with the item it is the price of (the nearest noun phrase)."""
    prices: list[dict[str, str]] = []
    for clause in (part for sentence in sentences(text) for part in re.split(r",\s+|\s[-–—]\s", sentence)):
        start = 0
        for found in PRICE.finditer(clause):
            price = re.sub(r"\s+", " ", found.group("price")).strip()
            price = price if price.endswith("Fr.") else price.rstrip(".")
            item = _item_before(clause[start:found.start()]) or _item_after(clause[found.end():])
            start = found.end()
            entry = {"item": (item or _fallback_item(clause))[:80], "price": price[:40]}
            if entry["item"] and entry not in prices:
                prices.append(entry)
    return prices[:24]


def _item_before(text: str) -> str:
    text = re.sub(r"\([^)]*\)?", " ", text)
    text = text.rsplit(":", 1)[-1] if text.rsplit(":", 1)[-1].strip() else text.rsplit(":", 1)[0]
    text = _ITEM_TRAILER.sub("", text.strip())
    item = _ITEM_LEAD.sub("", " ".join(text.split()[-8:])).strip(" +&,")
    return _capitalised(item) if any(c.isalpha() for c in item) else ""


def _item_after(text: str) -> str:
    found = _ITEM_AFTER.match(text)
    if not found:
        return ""
    words = [w for w in found.group("item").split() if w.casefold() not in _ITEM_STOP][:2]
    return _capitalised(" ".join(words)) if words else ""


def _fallback_item(clause: str) -> str:  # a price with no words near it is still the clause's price
    words = [w for w in re.sub(r"[^\w\s'’-]", " ", PRICE.sub(" ", clause)).split() if not w.isdigit()]
    return _capitalised(_ITEM_LEAD.sub("", " ".join(words[:4])))


def services_in(text: str, name: str) -> list[str]:
    """The main offerings: 1..6-word phrases of the text's lists, in its own words (at most six)."""
    found: list[str] = []
    for sentence in sentences(text):
        if _ABOUT_THE_SITE.search(sentence) or _IDENTITY.match(sentence):
            continue
        if name and name.casefold() in sentence.casefold():  # "Ledgerly is …": what it is, not what it offers
            continue
        if OPENING_HOURS.search(sentence) or EMAIL.search(sentence) or phone_in(sentence) or ADDRESS.search(sentence):
            continue
        for part in re.split(r",\s*|\s+[-–—]\s+|:\s+|\(|\)", sentence):
            for piece in _pieces(part):
                phrase = _offer(piece, name)
                if phrase and phrase.casefold() not in {p.casefold() for p in found}:
                    found.append(phrase)
    return found[:6]


def sentences(text: str) -> list[str]:
    """The text's sentences: split after . ! ? ; and line breaks, not after an abbreviation
    ("Venloer Str. 321", "30 Min. 45 €")."""
    found, start = [], 0
    for end in re.finditer(r"(?<=[.!?;])\s+|\n+", text):
        before = text[start:end.start()].rstrip(".").rsplit(None, 1)
        if text[end.start() - 1:end.start()] == "." and before and before[-1].casefold() in _ABBREVIATIONS:
            continue
        found.append(text[start:end.start()])
        start = end.end()
    return [*found, text[start:]]


def _pieces(part: str) -> list[str]:
    """A list item split at its conjunctions, unless the right side is one word of a
    prepositional phrase ("for beginners and kids" stays whole)."""
    pieces = _CONJUNCTION.split(part)
    joined = [pieces[0]]
    for piece in pieces[1:]:
        if _PREPOSITION.search(joined[-1]) and len(piece.split()) == 1:
            joined[-1] = f"{joined[-1]} {piece}"
        else:
            joined.append(piece)
    return joined


def _offer(piece: str, name: str) -> str:
    phrase = piece.strip(" .!?;:\"'“”«»")
    while (stripped := _OFFER_LEAD.sub("", phrase, count=1)) != phrase:
        phrase = stripped
    if cut := _PLACE_CUT.search(f" {phrase} "):
        before = f" {phrase} "[:cut.start()].strip()
        phrase = before if before else phrase
    words = phrase.split()
    if not 1 <= len(words) <= 6 or any(c.isdigit() or c in "@/#" for c in phrase):
        return ""
    if _NOT_AN_OFFER.search(phrase) or (name and name.casefold() in phrase.casefold()):
        return ""
    if len(words) == 1 and len(phrase) < 4:
        return ""
    return _capitalised(phrase)[:80]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def folded(text: str) -> str:
    """Lowercase ASCII-ish text for matching words across accents ("Über" -> "uber")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
