"""What a brief says that a visitor could act on, read from the owner's own words.

The offline planner's facts: a phone number, an e-mail, an address, opening hours and prices
exactly as the brief writes them, the city of its location and its main offerings as short
phrases of its text. Nothing is guessed: a brief that gives none of these gives empty fields."""

# ruff: noqa: RUF001 - owners write en dashes and typographic apostrophes; so do these words

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .offline_phrases import TRADE_OFFERS

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
# A part of a location that names a street ("Harlow Lane", "Via dei Neri 22"), not the city:
# a street word of the languages the writer reads, or Italian and Portuguese ones owners write.
_STREET_PART = re.compile(
    r"\b(?:street|st|road|rd|lane|ln|avenue|ave|drive|way|close|crescent|terrace|row|mews|"
    r"rue|boulevard|bd|chemin|allée|impasse|quai|str|damm|ufer|"
    r"calle|avenida|avda|paseo|carrer|camino|ronda|"
    r"via|viale|piazza|corso|vicolo|largo|rua|travessa)\b"
    r"|(?:straße|strasse|weg|gasse|platz|allee)\b", re.IGNORECASE)  # German: also ending a word
_NEAR = re.compile(r"^(?:near|close to|près d['’]|près de|pres de|bei|nahe|cerca de)\s*", re.IGNORECASE)

# Offerings: short phrases of the text, stripped of the verbs and articles that lead into them.
_OFFER_LEAD = re.compile(
    r"^(?:(?:we|i)\s+(?:offer|provide|sell|make|teach|run|do|bake|brew|fix|repair|organi[sz]e|design|build|host|"
    r"serve|photograph|help(?:\s+with)?|also\s+\w+|(?!need|are|have|can|will|must|should|don)[a-z]+)|"
    r"offering|specializ(?:ing|ed)\s+in|speciali[sz]ing\s+in|"
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
_IDENTITY = re.compile(r"^\s*(?:(?:so|well|ok|okay|oh|alors|bon|bref|also|naja|pues|bueno|vale)\b,?\s+)*"
                       r"(?:we\s+are|we['’]re|i\s+am|i['’]m|nous\s+sommes|je\s+suis|wir\s+sind|ich\s+bin|"
                       r"somos|soy)\b", re.IGNORECASE)
# "My style is pretty relaxed and documentary, … the dad crying during the speeches": a sentence
# that says what something of theirs is like describes; it lists no offerings (unless a colon
# opens a list: "Our services are: …").
_DESCRIBES = re.compile(r"^\s*(?:my|our|mon|ma|mes|notre|nos|mein|meine|unser|unsere|mi|mis|nuestr[oa]s?)\s+"
                        r"[\w'’-]+(?:\s+[\w'’-]+)?\s+(?:is|are|was|were|est|sont|était|ist|sind|war|es|son|era)\b",
                        re.IGNORECASE)
_PLACE_CUT = re.compile(r"\s(?:on|in|at|near|around|across|à|au|aux|dans|près|sur|im|am|bei|auf|cerca|junto)\s",
                        re.IGNORECASE)
_PREPOSITION = re.compile(r"\b(?:for|pour|für|para|with|avec|mit|con)\b", re.IGNORECASE)
_CONJUNCTION = re.compile(r"\s+(?:and|&|et|und|y|\+)\s+", re.IGNORECASE)

# What is not an offering, as classes of words (en, fr, de, es); each rule is named where it is used.
# A sentence asking visitors for something lists what the business needs, not what it offers.
_NEEDS = re.compile(r"^\s*(?:(?:we|i)\s+(?:(?:always|urgently|also)\s+)?(?:need|are\s+looking\s+for|look\s+for|"
                    r"welcome|rely\s+on|accept)|we['’]re\s+looking\s+for|looking\s+for|"
                    r"nous\s+(?:avons\s+besoin|recherchons|cherchons|acceptons|accueillons\s+(?:les\s+)?dons)|"
                    r"on\s+cherche|wir\s+(?:brauchen|suchen|benötigen|freuen\s+uns\s+über)|"
                    r"(?:necesitamos|buscamos|aceptamos))\b", re.IGNORECASE)
# Day names (not the two-letter abbreviations, which are also words: "do", "so", "mar").
_DAY_NAME = (r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|lundis?|mardis?|mercredis?|jeudis?|vendredis?|"
             r"samedis?|dimanches?|(?:mon|diens|mittwoch|donners|frei|sams|sonn)tags?|lunes|martes|mi[eé]rcoles|"
             rf"jueves|viernes|s[aá]bados?|domingos?|{_EVERY_DAY})(?!\w)")
_DAY_LIST = rf"{_DAY_NAME}(?:{_DAY_JOIN}{_DAY_NAME})*"
_DAY_CUT = re.compile(rf"(?:^|\s)(?:(?:every|each|on|at|the|chaque|le|les|jeden|am|an|cada|los|el)\s+{_DAY_LIST}|"
                      rf"{_DAY_LIST}\s*$)", re.IGNORECASE)
# "now and then", "ab und zu": how often qualifies an offering and is cut with what follows.
_FREQUENCY = re.compile(r"\s(?:now\s+and\s+(?:then|again)|from\s+time\s+to\s+time|occasionally|sometimes|"
                        r"de\s+temps\s+(?:en|à)\s+autre|parfois|ab\s+und\s+zu|manchmal|gelegentlich|a\s+veces|"
                        r"de\s+vez\s+en\s+cuando)\b.*$", re.IGNORECASE)
# A trailing number qualifies ("begleitetes Fahren ab 17", "classes for 6 to 12 year olds"): cut, not dropped.
_NUMBER_TAIL = re.compile(r"\s(?:ab|from|dès|desde|à\s+partir\s+de|a\s+partir\s+de|up\s+to|bis\s+zu|jusqu['’]à|"
                          r"hasta|for|pour|für|para|of|de|von|with|avec|mit|con)\s+\d.*$", re.IGNORECASE)
# Who speaks first: "we photograph …", "nous proposons …", "wir entwickeln …", "organizamos …".
_FIRST_PERSON = re.compile(r"^\s*(?:(?:we|i)\s+(?:also\s+|only\s+)?[a-z]+|nous\s+\w+ons|wir\s+\w+(?:en|n)|"
                           r"\w+(?:amos|emos|imos))\b", re.IGNORECASE)
# An opening phrase "X with a, b and c" (avec, mit, con): X is what the business is, a, b, c what it has.
_HAS = re.compile(r"\s(?:with|avec|mit|con)\s", re.IGNORECASE)
# How it is booked qualifies an offering: "custom pieces by consultation" is "custom pieces".
_BOOKING_CUT = re.compile(r"\s(?:by\s+(?:appointment|consultation|arrangement|request)|on\s+request|"
                          r"sur\s+(?:rendez-vous|demande|réservation)|nach\s+(?:Vereinbarung|Absprache)|"
                          r"auf\s+Anfrage|(?:con|bajo|previa)\s+(?:cita(?:\s+previa)?|pedido|reserva)|"
                          r"(?:solo|sólo|only|nur|uniquement|seulement)\s+(?:con|by|sur|nach|auf)\s.*)(?:\s.*)?$",
                          re.IGNORECASE)
# A count of people or rooms says how big the business is ("three resident artists", "Two-partner firm").
_COUNTED = re.compile(r"(?<!\w)(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|dozen|deux|trois|"
                      r"quatre|cinq|six|sept|huit|neuf|dix|douze|vingt|zwei|drei|vier|fünf|sechs|sieben|acht|neun|"
                      r"zehn|zwölf|zwanzig|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|doce|veinte)(?:-\w+)?"
                      r"(?!\w)", re.IGNORECASE)
# Fillers, hedges and indefinite pronouns are the owner talking, not something to buy.
_HEDGE = re.compile(r"(?<!\w)(?:well|so|basically|really|honestly|actually|entirely|mostly|pretty\s+much|literally|"
                    r"sorry|vraiment|franchement|honnêtement|entièrement|eigentlich|wirklich|ehrlich|realmente|"
                    r"sinceramente|básicamente)(?!\w)", re.IGNORECASE)
_INDEFINITE = re.compile(r"^(?:everything|anything|something|nothing|whatever|all|most|tout|toutes?|tous|rien|alles|"
                         r"alle|etwas|nichts|todo|todas?|todos|algo|nada)(?!\w)", re.IGNORECASE)
# Whom the business serves is its audience, not an offering ("accueillons les patients", "los miembros");
# a quantifier over them ("chaque soin", "every couple") describes a practice.
_AUDIENCE = re.compile(r"^(?:patients?|clients?|customers?|members?|membres|mitglieder|miembros|socios|volunteers?|"
                       r"bénévoles|freiwillige|voluntari[oa]s|famil(?:y|ies|les?|ien|ias)|employees|students?|élèves|"
                       r"schüler\w*|alumn[oa]s|kids|enfants|kinder|niñ[oa]s|people|gens|leute|personnes|personas|"
                       r"couples|parejas|uns|us|sich)$", re.IGNORECASE)
_EVERY_TIME = re.compile(r"\s(?:every|each|chaque|jede[nrsm]?|cada)\s+(?:morning|evening|night|week|month|year|"
                         r"weekend|matin|soir|semaine|mois|an|année|morgen|abend|woche|monat|jahr|mañana|tarde|"
                         r"noche|semana|mes|año)\s*$", re.IGNORECASE)
_EACH = re.compile(r"(?<!\w)(?:each|every|chaque|jede[rsnm]?|cada)(?!\w)", re.IGNORECASE)
# A phrase led by a verb's participle and a preposition ("sold to", "based in") or by a preposition is
# a clause's tail; one led by "serving"/"representing" says whom the business serves.
_CLAUSE_LEAD = re.compile(r"^(?:(?:\w+ed|sold|run|made|built|held|taught|grown|known|given|found)\s+"
                          r"(?:to|by|in|from|for|with|at|on|into|out)|from|to|by|into|onto|via|until|than|par|"
                          r"aus|nach|zum|zur|desde|hasta)\b", re.IGNORECASE)
_WHOM = re.compile(r"\b(?:serving|representing|supporting|helping|covering|au\s+service\s+d)", re.IGNORECASE)
# An invitation is not an offering ("walk-ins welcome").
_WELCOME = re.compile(r"\b(?:welcome|bienvenue?s?|willkommen|bienvenid[oa]s?)\b", re.IGNORECASE)
# A relative pronoun opens a clause about the phrase before it: what follows it in the sentence
# ("software that coordinates …, integrates with …") is what the thing does, not another offering.
_RELATIVE = re.compile(r"\s(?:that|which|who|whom|whose|qui|dont|lequel|laquelle)\s", re.IGNORECASE)
_RELATIVE_LEAD = re.compile(r"^(?:that|which|who|whom|whose|qui|que|dont|die|der|das|welche[rs]?|que|quienes?|"
                            r"donde|cuyos?)\b", re.IGNORECASE)
# People: Capitalised first and last names, named where the sentence is about people: right before a
# parenthesis of what they do ("Maya Reyes (fine-line)"), or in the list after a word for people ("Partners:").
_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'’]+(?:-[A-Za-zà-ÿ]+)?(?:\s+(?:de\s+|van\s+|von\s+|da\s+|del\s+)?"
                   r"[A-ZÀ-Ý][a-zà-ÿ'’]+(?:-[A-Za-zà-ÿ]+)?){1,2}$")
_PEOPLE_WORDS = (r"(?:partner|associate|artist|team|staff|founder|owner|member|teacher|instructor|coach|"
                 r"therapist|stylist|barber|chef|doctor|dentist|vet|lawyer|solicitor|trainer|guide|tutor|"
                 r"associé|artiste|équipe|fondat|gérant|propriétaire|médecin|avocat|praticien|professeur|"
                 r"inhaber|gründer|künstler|ärzt|anwält|lehrer|mitarbeiter|therapeut|"
                 r"socio|equipo|fundador|dueñ|profesor|médic|abogad|tatuador)\w*")
_PEOPLE = re.compile(rf"{_PEOPLE_WORDS}\s*$", re.IGNORECASE)
# A sentence that only names people ("Partners Jane Hartley and Kwame Osei", "Our team: …" is a
# label, read by _candidates): the words after the people word, to check they are all names.
_PEOPLE_SENTENCE = re.compile(rf"^\s*(?:(?:our|the|nos|les|unsere?|die|nuestros?|los)\s+)?{_PEOPLE_WORDS}\s+"
                              r"(?:are\s+|sont\s+|sind\s+|son\s+)?(?P<names>[^:]+?)[.!]?\s*$", re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]*)\)?")


def extract_facts(brief: dict[str, Any]) -> dict[str, Any]:
    """PlanFacts from the brief's text, exactly as written; empty fields where it says nothing."""
    name = (brief.get("name") or "").strip()
    text = brief.get("business") or ""
    location = brief.get("location") or place_ending(text)
    said = f"{text}\n{location}"
    email = EMAIL.search(said)
    return {
        "business_name": name[:80] or "-",
        "city": city_of(location),
        "address": address_in(text) or address_in(location) or street_location(location),
        "phone": phone_in(text),
        "email": email.group(0).rstrip(".")[:254] if email else "",
        "hours": hours_in(text),
        "prices": prices_in(text),
        "services": services_in(text, name, location, brief.get("language") or ""),
    }


# A short brief that ends in a place: "bakery in Lyon", "Zahnarzt in München", or after a comma
# a trade's name alone ("plumber, Leeds"; "yoga, Pilates" lists two offerings).
_PLACE = r"(?P<place>[A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+){0,2})\s*[.!]?\s*$"
_PLACE_AFTER_PREPOSITION = re.compile(rf"\s(?:in|at|near|à|au|en|im|bei|aus)\s+{_PLACE}")
_PLACE_AFTER_TRADE = re.compile(rf"^\s*(?P<trade>[\w'’ -]{{3,30}}?),\s*{_PLACE}")


def place_ending(text: str) -> str:
    """The place a brief of a few words ends in, when no location was given: it is where the
    business is, not what it offers ("Leeds" is no service of "plumber, Leeds"). A bare
    ", Place" counts only after a trade's name."""
    if len(text.split()) > 8:
        return ""
    if found := _PLACE_AFTER_PREPOSITION.search(text):
        return found.group("place")
    found = _PLACE_AFTER_TRADE.match(text)
    return found.group("place") if found and folded(found.group("trade")).strip().removesuffix("s") in TRADES else ""


# Trades by name, in every language the writer knows (what each offers is the writer's business).
TRADES = frozenset(trade for by_language in TRADE_OFFERS.values() for trade in by_language)


def city_of(location: str) -> str:
    """The city part of a location ("Lyon 4e" -> "Lyon", "Bristol, UK" -> "Bristol",
    "Via dei Neri 22, Firenze" -> "Firenze": a part that names a street is not the city)."""
    parts = re.split(r"[,;(]|\s+[-–—]\s+", location)
    for skip_streets in (True, False):  # a street only when nothing else is left ("Lyon 4e" has a number)
        for part in parts:
            words = [word for word in _NEAR.sub("", part.strip()).split() if not any(c.isdigit() for c in word)]
            candidate = _SURROUNDINGS.sub("", " ".join(words).strip(" .)"))
            if ADDRESS.search(part) or not candidate or candidate.casefold() in _COUNTRY_OR_REGION:
                continue
            if re.fullmatch(r"[A-Z]{2}", candidate) or (skip_streets and _STREET_PART.search(part)):
                continue
            return candidate[:80]
    return ""


def street_location(location: str) -> str:
    """The whole location, as written, when it starts with a street the address patterns do
    not know ("Via dei Neri 22, Firenze"): it is the address a visitor needs."""
    first = re.split(r"[,;]", location, maxsplit=1)[0]
    return " ".join(location.split())[:300] if "," in location and _STREET_PART.search(first) else ""


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
    # A comma inside a parenthesis is the item's own ("Brake bleed (hydraulic, per brake) £25").
    for sentence in sentences(text):
        label = _package_name(sentence)
        for clause in re.split(r",\s+(?![^()]*\))|\s[-–—]\s", sentence):
            _clause_prices(clause, label, prices)
    return prices[:24]


# A package named at the head of its sentence, its price at the end: "'Classic' - 8 hours,
# 500+ images, £1,950" (after a label such as "Packages:"), quoted or before a dash.
_PACKAGE = re.compile(r"^\s*(?:[^:'\"‘“«]{1,30}\s?:\s*)?(?:['\"‘“«]\s?(?P<quoted>[^'\"’”»]{2,40}?)\s?['\"’”»]"
                      r"|(?P<dashed>[^\W\d][\w'’ &+-]{1,40}?)\s+[–—-]\s)")


def _package_name(sentence: str) -> str:
    found = _PACKAGE.match(sentence)
    name = (found.group("quoted") or found.group("dashed") or "").strip() if found else ""
    return _capitalised(name) if name and len(name.split()) <= 5 else ""


def _clause_prices(clause: str, label: str, prices: list[dict[str, str]]) -> None:
    """The prices of one clause, each with its item: the words before it or after it, the
    clause's few words, or the package its sentence names; none when nothing names it."""
    start = 0
    for found in PRICE.finditer(clause):
        price = re.sub(r"\s+", " ", found.group("price")).strip()
        price = price if price.endswith("Fr.") else price.rstrip(".")
        # What bounds the amount is the price's: "from £180", "£15 plus parts".
        if before := _PRICE_BEFORE.search(clause[start:found.start()]):
            price = f"{before.group(0).strip()} {price}"
        if after := _PRICE_AFTER.match(clause[found.end():]):
            price = f"{price} {after.group(0).strip()}"
        item = _item_before(clause[start:found.start()]) or _item_after(clause[found.end():])
        start = found.end()
        entry = {"item": (item or _fallback_item(clause) or label)[:80], "price": price[:40]}
        if entry["item"] and entry not in prices:
            prices.append(entry)


_PRICE_BEFORE = re.compile(r"(?<!\w)(?:from|starting\s+at|starts\s+at|up\s+to|ab|bis\s+zu|dès|à\s+partir\s+de|"
                           r"jusqu['’]à|desde|a\s+partir\s+de|hasta)\s*$", re.IGNORECASE)
_PRICE_AFTER = re.compile(r"^\s+(?:plus|\+|zzgl\.|zuzüglich|más|hors)\s+(?!(?:de|que|than|d['’])\b)[^\W\d]+",
                          re.IGNORECASE)


def _item_before(text: str) -> str:
    # A parenthesis inside the item is its own ("Bike fit (90 minutes)"); one that opens the text
    # qualifies the price before it ("$12/month (1 user), Team $29/month").
    text = re.sub(r"^\s*\([^)]*\)?", " ", text)
    text = re.sub(r"^[^(]*\)", " ", text)  # the end of a parenthesis opened before the clause
    text = text.rsplit(":", 1)[-1] if text.rsplit(":", 1)[-1].strip() else text.rsplit(":", 1)[0]
    text = _ITEM_TRAILER.sub("", text.strip())
    item = _ITEM_LEAD.sub("", " ".join(text.split()[-8:])).strip(" +&,")
    if item.count(")") > item.count("("):  # the window cut into a parenthesis: the words after it
        item = item.rsplit(")", 1)[-1].strip()
    return _capitalised(item) if any(c.isalpha() for c in item) and not _FRAGMENT_END.search(item) else ""


def _item_after(text: str) -> str:
    found = _ITEM_AFTER.match(text)
    if not found:
        return ""
    words = [w for w in found.group("item").split() if w.casefold() not in _ITEM_STOP][:2]
    return _capitalised(" ".join(words)) if words else ""


def _fallback_item(clause: str) -> str:
    """A price with no words right beside it is the clause's, when the clause is a few words
    ("Dog walk, 30 minutes £12"); in a sentence ("A £300 deposit secures the date") its item
    would be a fragment: none, rather than a wrong one."""
    words = [w for w in re.sub(r"[^\w\s'’-]", " ", PRICE.sub(" ", clause)).split() if not w.isdigit()]
    item = _ITEM_LEAD.sub("", " ".join(words))
    return _capitalised(item) if 0 < len(item.split()) <= 4 and not _FRAGMENT_END.search(item) else ""


# An item that ends in a word that needs another after it ("Pays for a dog's", "Deposit secures
# the") is the front half of a phrase the price cut in two.
_FRAGMENT_END = re.compile(r"(?:['’]s|\b(?:the|a|an|of|for|to|and|or|with|by|at|in|on|my|our|your|its|their|"
                           r"every|each|all|chaque|tous|jede[rs]?|alle|cada|todos|"
                           r"de|du|des|la|le|les|et|à|au|aux|der|die|das|den|dem|und|für|mit|el|los|las|del|y|"
                           r"para|con|por))$", re.IGNORECASE)


def services_in(text: str, name: str, location: str = "", language: str = "") -> list[str]:
    """The main offerings: 1..6-word phrases of the text's lists, in its own words (at most six).
    Fewer rather than wrong: what a sentence's label, its people, its places, its days and its
    clauses say is left out (see `_candidates` and `_offer`)."""
    found: list[str] = []
    kind = ""  # the text's opening phrase when it is one noun phrase: what the business is
    places = _place_words(location)
    german = language.split("-")[0].lower() == "de"
    for number, sentence in enumerate(sentences(text)):
        if _ABOUT_THE_SITE.search(sentence) or _IDENTITY.match(sentence) or _NEEDS.match(sentence) or \
                (_DESCRIBES.match(sentence) and ":" not in sentence) or _only_people(sentence):
            continue
        if name and name.casefold() in sentence.casefold():  # "Ledgerly is …": what it is, not what it offers
            continue
        if OPENING_HOURS.search(sentence) or EMAIL.search(sentence) or phone_in(sentence) or ADDRESS.search(sentence):
            continue
        parts = _candidates(sentence, places, opening=number == 0)
        for index, part in enumerate(parts):
            if PRICE.search(part):  # a price line ("formule sandwich + boisson 9,50 €"): prices_in reads it
                continue
            pieces = _pieces(part, joins_names=not german)
            for order, piece in enumerate(pieces):
                if german:
                    piece = _german_object(piece, sentence)
                elif order or index:  # "we distribute groceries, run a weekend programme": the verb is ours
                    piece = _OWN_VERB.sub("", piece) if _FIRST_PERSON.match(sentence) else piece
                if order and _PLACE_TAIL.match(piece) and _PLACE_CUT.search(f" {pieces[order - 1]} "):
                    continue  # "sur Toulouse et la première couronne": the place goes on
                phrase = _offer(piece, name, places, listed=len(parts) + len(pieces) > 2)
                if phrase is None:  # a clause: what the conjunction adds to it belongs to it too
                    break
                if phrase and phrase.casefold() not in {p.casefold() for p in found}:
                    found.append(phrase)
                    if number == 0 and index == 0 and len(pieces) == 1 and ":" not in sentence and \
                            part.strip().casefold().startswith(phrase.casefold()) and not _FIRST_PERSON.match(part):
                        kind = phrase
    if kind and len(found) > 2:  # the business's own kind ("Boulangerie artisanale") beside what it offers
        found.remove(kind)
    return found[:6]


def _only_people(sentence: str) -> bool:
    """Whether the sentence only names people after a word for them: "Partners Jane Hartley and
    Kwame Osei." says who works there, not what is offered."""
    found = _PEOPLE_SENTENCE.match(sentence)
    names = re.split(r",\s*|\s+(?:and|&|et|und|y)\s+", found.group("names")) if found else []
    return bool(names) and all(_NAME.match(name.strip()) for name in names)


def _candidates(sentence: str, places: set[str], *, opening: bool = False) -> list[str]:
    """The sentence's list items that may be offerings.

    - A label before a colon ("Partners:", "Prices:", "Fleuriste de quartier :") names the list, or
      says what the business is; the items after it are the candidates. A head in the owner's own
      voice ("Organizamos bodas …:") is a candidate too.
    - A parenthesis qualifies the phrase before it ("AMRs", "45 Min."), unless that phrase is a
      person's name: then it says what the person does ("Maya Reyes (fine-line)"), and that is offered.
    - A person's name is not an offering: one before such a parenthesis, or any in a list after a word
      for people ("three resident artists:", "Partners:").
    - A relative clause ("software that coordinates …, integrates with …") ends the list.
    - A part that carries on a place ("… in Austin, Texas with …") is the place's, not an offering.
    - The text's opening phrase "X with a, b …" (avec, mit, con): X is the business, a, b what it has.
    """
    head, colon, body = sentence.partition(": ") if ": " in sentence else ("", "", sentence)
    if not colon and " :" in sentence:  # French typography: "Fleuriste de quartier : bouquets"
        head, colon, body = sentence.partition(" :")
    people = bool(_PEOPLE.search(head.strip()))
    if colon and _FIRST_PERSON.match(head) and not people:
        body = f"{head}, {body}"
    elif opening and not colon and (has := _HAS.search(body.split(",")[0])):
        body = body[has.end():]
    items: list[str] = []

    def qualified(found: re.Match[str]) -> str:
        nonlocal people
        before = re.split(r"[,;:]|\s(?:and|&|et|und|y)\s", body[:found.start()])[-1].strip()
        if _NAME.match(before):
            people = True
            items.extend(re.split(r",\s*", found.group(1)))
        return ""

    body = _PAREN.sub(qualified, body)
    parts = [*re.split(r",(?!\d)\s*|;\s*|\s+[-–—]\s+", body), *items]  # not a decimal comma: "1,30 €"
    listed = len(parts) - len(items)
    candidates: list[str] = []
    after_place = False
    for index, part in enumerate(parts):
        text = _FREQUENCY.sub("", part.strip())
        if index < listed:
            if _RELATIVE_LEAD.match(text) and index > 0:
                break
            if after_place and text[:1].isupper():
                after_place = False
                continue
            after_place = bool(_ENDS_IN_PLACE.search(text)) or \
                bool(places and text.split() and folded(text.split()[-1].strip(".")) in places)
            if clause := _RELATIVE.search(f" {text} "):
                candidates.append(f" {text} "[:clause.start()])
                candidates.extend(items)
                break
        if people and _NAME.match(re.sub(r"^(?:and|&|et|und|y)\s+", "", text)):
            continue
        if people and _NAME.match(_CONJUNCTION.split(text)[0].strip()):
            continue
        candidates.append(text)
    return candidates


_ENDS_IN_PLACE = re.compile(r"\s(?:in|at|across|around|near|on|à|en|dans|près\s+de|im|in\s+der|bei|am)"
                            r"(?:\s+(?:the|la|le|les|l['’]|der|die|dem|el|los|las))?\s+[A-ZÀ-Ý][\w'’-]*$")


_OWN_VERB = re.compile(r"^\s*(?!(?:in|on|at|for|with|to|from|by|of|and|or|as|like|into|across)\s)[a-z]+\s+"
                       r"(?=(?:a|an|the|our)\s)")
_PLACE_TAIL = re.compile(r"^\s*(?:the|la|le|les|l['’]|der|die|das|el|los|las)\s", re.IGNORECASE)


def _place_words(location: str) -> set[str]:
    """The location's words, folded ("Austin, TX" -> {"austin", "tx"}), to tell a place from an offering."""
    words = re.findall(r"[^\W\d_][\w'’-]*", location)
    return {folded(word) for word in words if len(word) > 1 and word[:1].isupper()}


def _german_object(piece: str, sentence: str) -> str:
    """German capitalises nouns: a piece without one names nothing to offer ("schnell", "gestalten"),
    and in "wir gestalten und entwickeln Websites" the lower-case verb before the noun is the owner's."""
    if not re.search(r"(?<![\w-])[A-ZÄÖÜ]", piece.strip()[1:]) and piece.strip()[:1].islower():
        return ""
    if re.match(r"^\s*(?:wir|ich)\s", sentence, re.IGNORECASE):
        return re.sub(r"^\s*[a-zäöüß]+(?:en|ern|eln)\s+(?=[A-ZÄÖÜ])", "", piece)
    return piece


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


def _pieces(part: str, *, joins_names: bool = True) -> list[str]:
    """A list item split at its conjunctions, unless the right side is one word of a
    prepositional phrase ("for beginners and kids" stays whole), the rest of the left side's
    complement ("des particuliers et des entreprises"), or a name beside a name ("de Cambridge y Goethe")."""
    pieces = _CONJUNCTION.split(part)
    conjunction = _CONJUNCTION.search(part)
    joined = [pieces[0]]
    for piece in pieces[1:]:
        left = joined[-1].split()
        name_beside_name = joins_names and len(left) > 1 and left[-1][:1].isupper() and \
            all(word[:1].isupper() for word in piece.split())
        if (_PREPOSITION.search(joined[-1]) and len(piece.split()) == 1) or _COMPLEMENT.match(piece) or \
                name_beside_name:
            joined[-1] = f"{joined[-1]} {conjunction.group(0).strip() if conjunction else 'and'} {piece}"
        else:
            joined.append(piece)
    return joined


_COMPLEMENT = re.compile(r"^(?:des|du|de\s+la|de\s+l['’]|of\s+the|del|de\s+los|de\s+las)\s", re.IGNORECASE)


def _offer(piece: str, name: str, places: set[str] | frozenset[str] = frozenset(), *,
           listed: bool = True) -> str | None:
    """The piece as an offering, "" when it is not one, None when it is a clause (and so is what
    a conjunction adds to it: "rely entirely on volunteers and donations")."""
    phrase = piece.strip(" .!?;:\"'“”«»")
    while (stripped := _OFFER_LEAD.sub("", phrase, count=1)) != phrase:
        phrase = stripped
    if whom := _WHOM.search(phrase):  # "law firm representing employees in unfair dismissal"
        tail = re.search(r"\s(?:in|with|on|for|en|dans|pour|bei|para)\s+(.+)$", phrase[whom.end():])
        if not tail:
            return None
        phrase = tail.group(1)
    if _HEDGE.search(phrase) or _INDEFINITE.match(phrase) or _CLAUSE_LEAD.match(phrase):
        return None
    if _COUNTED.search(phrase) or _WELCOME.search(phrase):
        return None
    for cut in (_NUMBER_TAIL, _BOOKING_CUT, _PLACE_CUT, _DAY_CUT, _EVERY_TIME):
        if found := cut.search(f" {phrase} "):
            phrase = f" {phrase} "[:found.start()].strip()
    if _EACH.search(phrase):
        return None
    if places and (at := next((i for i, word in enumerate(phrase.split())
                               if folded(word.strip(".,'’")) in places), None)) is not None:
        words = phrase.split()[:at]
        while words and (words[-1][:1].isupper() or words[-1].casefold() in {"de", "of", "du", "del", "von"}):
            words.pop()  # "East Oakland", "haciendas de Sevilla": the place and what leads into it
        phrase = " ".join(words)
    if listed and len(phrase.split()) > 6 and (qualifier := _QUALIFIER.search(phrase)):  # "frische Sommerrollen nach …"
        phrase = phrase[:qualifier.start()]
    phrase = _OFFER_LEAD.sub("", phrase, count=1).strip(" ,.")
    words = phrase.split()
    if not 1 <= len(words) <= 6 or any(c.isdigit() or c in "@/#" for c in phrase):
        return ""
    if _NOT_AN_OFFER.search(phrase) or (name and name.casefold() in phrase.casefold()):
        return ""
    if _AUDIENCE.match(words[0]) or _AUDIENCE.match(words[-1]):
        return ""
    if len(words) == 1 and len(phrase) < 4:
        return ""
    return _capitalised(phrase)[:80]


_QUALIFIER = re.compile(r"(?<=\w)\s(?:for|with|from|according\s+to|pour|avec|selon|für|mit|nach|aus|para|con|según)\s",
                        re.IGNORECASE)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def folded(text: str) -> str:
    """Lowercase ASCII-ish text for matching words across accents ("Über" -> "uber")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
