"""Which images a page shows, so that assets can describe their sizes before it renders;
and a page that renders without them when assets does not answer."""

import asyncio
import uuid
from typing import Any

import msgspec
import nats.errors

from services.cms.delivery import described_images, image_ids
from shared.contracts import ImageInfo, ImagesDescribed


def node(component: str, props: dict[str, Any], *children: dict[str, Any]) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:8], "component": component, "props": props, "children": list(children)}


def test_every_image_in_the_tree_and_its_products_is_found_once() -> None:
    ids = [str(uuid.uuid4()) for _ in range(11)]
    tree = {"root": node("Page", {"title": "Home", "social_image": ids[0]},
                         node("Navbar", {"brand": "Lumen", "logo": ids[1], "links": []}),
                         node("Section", {"anchor": "story"},
                              node("Hero", {"headline": "Bread", "image": ids[2], "icon": "leaf"}),
                              node("Gallery", {"images": [{"asset_id": ids[3], "alt": "Loaves"},
                                                          {"asset_id": ids[4], "alt": str(uuid.uuid4())}]}),
                              node("Team", {"members": [{"name": "Ana", "photo": ids[5]}, {"name": "Rui"}]}),
                              node("MediaText", {"rows": [{"heading": "Oven", "image": ids[6]},
                                                          {"heading": "No picture", "image": None}]}),
                              node("LogoCloud", {"logos": [{"asset_id": ids[7], "alt": "Monocle"}]}),
                              node("Testimonials", {"items": [{"quote": "Yes", "photo": ids[8]}]}),
                              node("Image", {"asset_id": ids[2], "alt": "again"})))}
    products = {"p1": {"name": "Sourdough", "images": [ids[9], "not-an-id"]},
                "p2": {"name": "Rye", "images": [uuid.UUID(ids[10])]}}
    found = image_ids(tree, products)
    assert found == ids  # in order, each once; an alt text that looks like an id is no image
    assert image_ids(tree) == ids[:9]


def test_product_ids_and_alt_texts_that_look_like_ids_are_no_images() -> None:
    product, picture = str(uuid.uuid4()), str(uuid.uuid4())
    tree = {"root": node("Page", {"title": "Home"},
                         node("ProductGrid", {"product_ids": [product]}),  # a product id is no image
                         node("Hero", {"headline": "H", "image_alt": picture}))}  # an alt text either
    assert image_ids(tree) == []


def test_text_and_icon_names_are_not_taken_for_images() -> None:
    tree = {"root": node("Page", {"title": str(uuid.uuid4())},
                         node("Features", {"items": [{"icon": "leaf", "title": str(uuid.uuid4())}]}))}
    assert image_ids(tree) == []


class Answering:
    """A NATS client as `shared.messaging.request` uses it, answering from a table."""

    def __init__(self, reply: bytes | None) -> None:
        self.reply, self.asked = reply, 0

    async def request(self, subject: str, data: bytes, timeout: float, headers: Any = None) -> Any:
        self.asked += 1
        if self.reply is None:
            raise nats.errors.TimeoutError
        return type("Msg", (), {"data": self.reply})()


def test_described_images_are_keyed_by_id_and_a_silent_assets_gives_none() -> None:
    tenant, image = uuid.uuid4(), uuid.uuid4()
    info = ImageInfo(id=image, width=900, height=600, widths=[400, 800, 900], formats=["webp"])
    answering = Answering(msgspec.json.encode(ImagesDescribed(images=[info])))
    assert asyncio.run(described_images(answering, tenant, [str(image)])) == {str(image): info}  # type: ignore[arg-type]
    silent = Answering(None)
    assert asyncio.run(described_images(silent, tenant, [str(image)])) == {}  # type: ignore[arg-type]
    assert silent.asked == 1
    failed = Answering(b'{"error": "boom", "code": "internal"}')
    assert asyncio.run(described_images(failed, tenant, [str(image)])) == {}  # type: ignore[arg-type]
    nobody = Answering(None)
    assert asyncio.run(described_images(nobody, tenant, [])) == {}  # type: ignore[arg-type]
    assert nobody.asked == 0  # nothing to ask about: no request at all
