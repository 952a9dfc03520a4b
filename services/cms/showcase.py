"""One page that holds every component and every variant, written for a plausible business
(Saimaa Shore, lakeside cabins in Finnish Lakeland), so a person can judge each piece in
each theme preset, and the tests can prove every piece validates and renders. Pure: the
caller passes the asset ids of the pictures it can serve."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from typing import Any

# Stable ids, so the showcase's product grid has products to show (showcase_products).
PRODUCT_IDS = ("6f1c4a52-0d7e-4c1b-9f0e-3b2a1c5d7e01", "6f1c4a52-0d7e-4c1b-9f0e-3b2a1c5d7e02",
               "6f1c4a52-0d7e-4c1b-9f0e-3b2a1c5d7e03")
VIDEO = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"


def node(node_id: str, component: str, children: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "component": component, "props": props, "children": children or []}


def section(anchor: str, background: str, *children: dict[str, Any]) -> dict[str, Any]:
    return node(f"section-{anchor}", "Section", list(children), anchor=anchor, background=background)


Picture = str | tuple[str, str]  # an asset id, or (asset id, what the picture shows)


PARTNERS = ("Saimaa Rowing Club", "Puumala Smokehouse", "Lakeland Trails", "Nordic Slow Travel")


def showcase_tree(images: Sequence[Picture], *, video: bool = True, logos: Sequence[str] = ()) -> dict[str, Any]:
    """Every component and variant on one page, illustrated with `images` (at least one).
    A picture appears in several components when there are few, never twice in one gallery.
    Given with its description, a picture's alt text is that description; else the
    sample's own words. `logos`: the ids of PARTNERS' logos, in order, for the logo cloud
    (without them it shows pictures)."""
    if not images:
        raise ValueError("the showcase needs at least one image")
    described = dict(image if isinstance(image, tuple) else (str(image), "") for image in images)
    distinct = list(described)
    cycle = itertools.cycle(distinct)
    pick = lambda: next(cycle)  # noqa: E731 - the next picture, round the list

    def alt(image: str, sample: str) -> str:
        return described.get(image) or sample

    def picture(sample_alt: str, id_key: str = "image", alt_key: str = "image_alt") -> dict[str, str]:
        image = pick()
        return {id_key: image, alt_key: alt(image, sample_alt)}

    nav = node("nav", "Navbar", brand="Saimaa Shore", sticky=True, cta_label="Book a cabin", cta_href="#contact",
               links=[{"label": "Cabins", "href": "#cabins"}, {"label": "Sauna", "href": "#sauna"},
                      {"label": "Prices", "href": "#prices"}, {"label": "Questions", "href": "#faq"},
                      {"label": "Contact", "href": "#contact"}])
    hero_image = pick()
    hero = node("hero", "Hero", variant="image", image=hero_image, eyebrow="Puumala, Finnish Lakeland",
                headline="Slow days on the shore of Lake Saimaa",
                subheadline="Six timber cabins among the pines, a wood-fired sauna on the jetty and a rowing "
                            "boat for every guest. Open from May to the first frost.",
                cta_label="Book a cabin", cta_href="#contact", secondary_label="See the cabins",
                secondary_href="#cabins", image_alt=alt(hero_image, "Rowing boats pulled up on the shore at sunset"))
    stats = section("numbers", "dark", node("stats", "Stats", heading="Saimaa Shore in numbers", items=[
        {"value": "6", "label": "cabins, none closer than 40 m to the next"},
        {"value": "13,710", "label": "islands in Lake Saimaa to row to"},
        {"value": "4.9/5", "label": "average rating from 820 stays"},
        {"value": "1962", "label": "the year our smoke sauna was built"}]))
    cabins = section(
        "cabins", "default",
        node("features-cards", "FeatureGrid", heading="Everything a cabin needs, nothing it doesn't",
             intro="Each cabin sleeps two to six, faces the water and has its own fireplace.", variant="cards",
             columns=3, features=[
                 {"icon": "waves", "title": "Your own jetty", "body": "Swim before breakfast; the water is 19 °C "
                                                                    "by late June."},
                 {"icon": "tree-pine", "title": "Pine and birch all round", "body": "No road noise, no neighbours "
                                                                                  "in sight, only the loons."},
                 {"icon": "coffee", "title": "Breakfast basket", "body": "Rye bread, berries and smoked fish "
                                                                         "left at your door at eight."},
                 {"icon": "bike", "title": "Bikes included", "body": "Gravel roads run 30 km along the ridge "
                                                                    "between the lakes."},
                 {"icon": "wifi", "title": "Wi-Fi, if you must", "body": "Fast enough for a call; switched off "
                                                                        "in the sauna."},
                 {"icon": "paw-print", "title": "Dogs welcome", "body": "Two cabins have fenced yards and a "
                                                                       "towel for wet paws."}]),
        node("features-plain", "FeatureGrid", heading="Good to know", variant="plain", columns=4, features=[
            {"icon": "clock", "title": "Check-in from 3 pm", "body": "Keys are in a lockbox; arrive when "
                                                                    "the road suits you."},
            {"icon": "car", "title": "Parking by the cabin", "body": "Free, with a charger for electric cars."},
            {"icon": "recycle", "title": "Nothing wasted", "body": "Solar power, composting and bottled "
                                                                   "water nowhere."},
            {"icon": "baby", "title": "Families", "body": "Cots, life jackets and a shallow sandy bay."}]),
        node("features-list", "FeatureGrid", heading="In every cabin", variant="list", features=[
            {"icon": "check", "title": "Linen and towels", "body": "Washed in the village, dried in the wind."},
            {"icon": "utensils", "title": "A real kitchen", "body": "Two hobs, an oven and a proper knife."},
            {"icon": "sun", "title": "Midnight sun blinds", "body": "Sleep well while it stays light "
                                                                    "until eleven."},
            {"icon": "book-open", "title": "A shelf of Finnish novels", "body": "In English, and a map of "
                                                                              "every walk."}]))
    stories = section("sauna", "surface", node("media-text", "MediaText", heading="The lake, the sauna, the woods",
                                               image_first="left", rows=[
        {**picture("A wooden jetty reaching into the lake on a still evening"),
         "eyebrow": "Sauna", "heading": "A smoke sauna on the water",
         "text": "Heated for six hours with alder wood, then aired: the softest steam you will ever sit in. "
                 "Then down the ladder into the lake.", "link_label": "Book a sauna evening",
         "link_href": "#contact"},
        {**picture("Golden grass bending over blue water on a windy day"),
         "eyebrow": "Rowing", "heading": "A boat for every cabin",
         "text": "Wooden rowing boats with life jackets and a chart of the nearby islands, each one with a "
                 "fire ring and a beach nobody else is on."},
        {**picture("An earth path through a spruce forest carpeted with moss"),
         "eyebrow": "Walking", "heading": "Trails from the door",
         "text": "Three marked loops of 3, 7 and 12 km through old spruce forest, with blueberries from July.",
         "link_label": "Download the trail map", "link_href": "/"}]))
    press = section("press", "default", node("logos", "LogoCloud", heading="Our neighbours and partners", logos=[
        {"asset_id": image, "alt": name} for image, name in zip(
            logos or (pick(), pick(), pick(), pick()), PARTNERS, strict=True)]))
    gallery_images = distinct[:5]
    gallery = section("gallery", "default", node(
        "gallery", "Gallery", heading="A season at the shore", images=[
            {"asset_id": image, "alt": alt(image, sample)} for image, sample in zip(gallery_images, (
                "Boats on the shore at sunset", "A jetty in the morning mist", "Reeds at dusk on a glassy lake",
                "The forest path behind cabin four", "Autumn leaves on the sauna steps"), strict=False)]))
    team = section("hosts", "surface", node(
        "team", "Team", heading="Your hosts", intro="A family business since 1962, now in its third generation.",
        members=[
            {"name": "Aino Korhonen", "role": "Owner, sauna keeper", "bio": "Grew up in cabin one; lights the "
                                                                            "smoke sauna every Saturday."},
            {"name": "Mikko Korhonen", "role": "Boats and trails", "bio": "Knows which island has the best "
                                                                          "blueberries, and will tell you."},
            {"name": "Leena Virtanen", "role": "Breakfast and bookings", "bio": "Bakes the rye bread at five; "
                                                                               "answers e-mail by nine."},
            {"name": "Otto", "role": "Head of welcome", "bio": "A Finnish Lapphund. Greets every car."}]))
    praise = section(
        "reviews", "default",
        node("testimonial", "Testimonial", rating=5, author="Sophie Laurent", role="Stayed in August, Lyon",
             quote="We came for four nights and stayed nine. The sauna, the silence, the swim at midnight in "
                   "daylight: I have not slept so well in years."),
        node("testimonials", "Testimonials", heading="What guests say", items=[
            {"quote": "Cabin three has the best sunset view on the lake. Bring a book and don't plan anything.",
             "author": "Jonas Berg", "role": "Stockholm", "rating": 5},
            {"quote": "Our two children rowed to an island alone for the first time. They still talk about it.",
             "author": "Hanna Mäkelä", "role": "Tampere", "rating": 5, "photo": pick()},
            {"quote": "Simple, spotless, quiet. The breakfast basket alone is worth the drive from Helsinki.",
             "author": "Daniel Osei", "role": "Helsinki", "rating": 4}]))
    prices = section("prices", "surface", node(
        "pricing", "PricingTable", heading="Prices per night",
        intro="Linen, sauna, boat and breakfast included. Three nights minimum in July.", plans=[
            {"name": "Pine cabin", "price": "€140", "period": "per night", "cta_label": "Book Pine",
             "cta_href": "#contact", "features": ["Sleeps 2", "Lake view from bed", "Shared sauna evenings"]},
            {"name": "Lakeside cabin", "price": "€210", "period": "per night", "highlighted": True,
             "badge": "Guests' favourite", "cta_label": "Book Lakeside", "cta_href": "#contact",
             "features": ["Sleeps 4", "Own jetty and boat", "Private sauna evening", "Fireplace"]},
            {"name": "Island house", "price": "€320", "period": "per night", "cta_label": "Book the house",
             "cta_href": "#contact", "features": ["Sleeps 6", "On its own island", "Wood-fired hot tub",
                                                  "Boat transfer"]}]),
        node("price-list", "PriceList", heading="Extras", intro="Book them with your cabin or on the day.",
             note="Paid on departure, by card or in cash.", items=[
                 {"group": "Sauna and water", "name": "Smoke sauna evening", "price": "€60",
                  "description": "Three hours for your party, towels and birch whisks included."},
                 {"group": "Sauna and water", "name": "Wood-fired hot tub", "price": "€45",
                  "description": "Filled and heated by four."},
                 {"group": "Sauna and water", "name": "Kayak for a day", "price": "€35"},
                 {"group": "Sauna and water", "name": "Guided island row", "price": "€25 per person"},
                 {"group": "From the kitchen", "name": "Breakfast basket", "price": "€18 per person",
                  "description": "Rye bread, eggs, berries and smoked fish at your door."},
                 {"group": "From the kitchen", "name": "Smoked whitefish supper", "price": "€24"},
                 {"group": "From the kitchen", "name": "Blueberry pie to share", "price": "€12"},
                 {"group": "From the kitchen", "name": "Late check-out (until 3 pm)", "price": "€20"}]))
    shop = section("shop", "default", node("products", "ProductGrid", heading="Take Saimaa home",
                                           product_ids=list(PRODUCT_IDS)))
    bands = section(
        "offers", "default",
        node("cta-primary", "CallToAction", tone="primary", heading="Midsummer is nearly full",
             text="Two cabins are left for 20 to 23 June. Book now and the first sauna is on us.",
             cta_label="Book midsummer", cta_href="#contact", secondary_label="See prices",
             secondary_href="#prices"),
        node("cta-dark", "CallToAction", tone="dark", heading="Autumn colours, winter prices",
             text="From September, every third night is free.", cta_label="Plan an autumn stay",
             cta_href="#contact"),
        node("cta-surface", "CallToAction", tone="surface", heading="Give a night at the lake",
             text="Gift cards for any cabin, valid for two years.", cta_label="Buy a gift card", cta_href="#shop"))
    faq = section("faq", "default", node(
        "faq", "FAQ", heading="Questions, answered", intro="Anything else? Write to us; Leena answers by nine.",
        items=[
            {"question": "How do we get there without a car?",
             "answer": "Take the train to Mikkeli, then the 2:15 pm bus to Puumala; we pick you up at the stop."},
            {"question": "Is the lake clean enough to swim in?",
             "answer": "Yes: Saimaa's water is tested every summer and is among the clearest in Finland."},
            {"question": "What about mosquitoes?",
             "answer": "Few on the shore, where the breeze is, more in the forest in July. Every cabin has "
                       "screens and a net for the porch."},
            {"question": "Can we cancel?",
             "answer": "Free of charge until 30 days before you arrive; after that we refund what we can rebook."}]))
    contact = section(
        "contact", "surface",
        node("contact-block", "ContactBlock", heading="Find us", intro="Twenty minutes south of Puumala, "
                                                                      "at the end of the gravel road.",
             address="Saimaa Shore\nRantatie 18\n52200 Puumala\nFinland", map_query="Rantatie 18, Puumala",
             phone="+358 40 123 4567", email="hello@saimaashore.example",
             hours=[{"days": "Mon – Fri", "hours": "9:00 – 18:00"},  # noqa: RUF001 - en dashes, as typeset
                    {"days": "Saturday", "hours": "10:00 – 16:00"},  # noqa: RUF001
                    {"days": "Sunday", "hours": "Closed"}]),
        node("contact-form", "ContactForm", heading="Ask about dates", submit_label="Send my question",
             intro="Tell us when you would like to come; we answer within a day.", fields=[
                 {"name": "name", "label": "Your name", "kind": "text", "required": True},
                 {"name": "email", "label": "E-mail", "kind": "email", "required": True},
                 {"name": "phone", "label": "Phone", "kind": "phone"},
                 {"name": "guests", "label": "How many guests?", "kind": "text"},
                 {"name": "message", "label": "Your dates and questions", "kind": "textarea", "required": True},
                 {"name": "newsletter", "label": "Send me the autumn offers", "kind": "checkbox"}]))
    blocks = [
        node("story-heading", "Heading", text="Our story", level=2),
        node("story-columns", "Columns", [
            node("story-text", "RichText", markdown=(
                "Aino's grandfather built the first cabin in **1962**, from pines felled on the ridge. "
                "We have added five since, each one a little further from the others.\n\n"
                "- Timber from within 50 km\n- Heated by wood and sun\n- Open May to October\n\n"
                "Read more about [the sauna](#sauna) or [our prices](#prices).")),
            node("story-image", "Image", **picture("Raindrops on green leaves after a summer storm", "asset_id", "alt"),
                 caption="After the storm, the forest behind cabin two.")], count=2),
        node("story-buttons", "Button", label="Book a cabin", href="#contact", style="primary"),
        node("story-secondary", "Button", label="Read the reviews", href="#reviews", style="secondary"),
        node("story-link", "Button", label="Meet your hosts", href="#hosts", style="link")]
    if video:
        blocks.append(node("video", "Video", url=VIDEO, title="A summer evening at Saimaa Shore"))
    story = section("story", "default", *blocks)
    split = section("autumn", "default", node(
        "hero-split", "Hero", variant="split", **picture("A backlit maple leaf among golden leaves"),
        eyebrow="September to October", headline="Ruska: the lake in autumn",
        subheadline="The birches turn gold, the crowds go home and the sauna feels even better.",
        cta_label="Book autumn", cta_href="#contact", secondary_label="Read the questions", secondary_href="#faq"))
    centered = section("winter", "primary", node(
        "hero-centered", "Hero", variant="centered", eyebrow="New for 2026",
        headline="The island house opens all year",
        subheadline="Ice swimming, a wood stove and the northern lights over the frozen lake.",
        cta_label="Join the waiting list", cta_href="#contact", **picture("A small kite high in a deep blue sky")))
    footer = node(
        "footer", "Footer", brand="Saimaa Shore",
        text="Lakeside cabins, a smoke sauna and rowing boats in Finnish Lakeland, since 1962.",
        columns=[{"title": "Stay", "links": [{"label": "Cabins", "href": "#cabins"},
                                             {"label": "Prices", "href": "#prices"},
                                             {"label": "Gift cards", "href": "#shop"}]},
                 {"title": "Visit", "links": [{"label": "Sauna", "href": "#sauna"},
                                              {"label": "Questions", "href": "#faq"},
                                              {"label": "Getting here", "href": "#contact"}]}],
        address="Rantatie 18\n52200 Puumala, Finland", phone="+358 40 123 4567", email="hello@saimaashore.example",
        social=[{"network": "instagram", "href": "https://www.instagram.com/saimaashore"},
                {"network": "facebook", "href": "https://www.facebook.com/saimaashore"},
                {"network": "youtube", "href": "https://www.youtube.com/@saimaashore"}],
        legal="© 2025 Saimaa Shore Oy · Business ID 1234567-8",
        links=[{"label": "Privacy", "href": "/"}, {"label": "Terms of stay", "href": "/"}])
    return {"root": node("page", "Page", [nav, hero, stats, cabins, stories, story, split, press, gallery, team,
                                          praise, prices, centered, shop, bands, faq, contact, footer],
                         title="Saimaa Shore: lakeside cabins in Finland",
                         description="Six timber cabins, a smoke sauna and rowing boats on the shore of Lake "
                                     "Saimaa in Finnish Lakeland. Open May to October.")}


def showcase_products(images: list[str]) -> dict[str, dict[str, Any]]:
    """The catalogue the showcase's product grid shows (as cms's projection holds it)."""
    distinct = list(dict.fromkeys(str(image) for image in images)) or [str(uuid.UUID(int=0))]
    names = (("Smoke sauna soap", 1450), ("Saimaa map, hand-drawn", 2400), ("Gift card, one night", 14000))
    return {product_id: {"id": product_id, "name": name, "price_amount": amount, "currency": "eur",
                         "images": [distinct[-1 - index % len(distinct)]], "active": True,
                         "in_stock": index != 1, "takes_charges": True}
            for index, (product_id, (name, amount)) in enumerate(zip(PRODUCT_IDS, names, strict=True))}
