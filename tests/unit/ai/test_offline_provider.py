"""The offline provider keeps every feature usable and says it is offline."""

import msgspec

from shared.ai import AISettings, create_provider
from tests.unit.ai.rich_page_schema import RICH_PAGE_SCHEMA
from tests.unit.ai.test_offline_vision import png


async def test_without_a_key_every_operation_works_and_says_offline(caplog) -> None:  # type: ignore[no-untyped-def]
    provider = create_provider(AISettings())
    assert "offline" in caplog.text
    page = await provider.generate_json(system="You write pages.", prompt="A bakery in Lyon with prices and an FAQ",
                                        schema=RICH_PAGE_SCHEMA, schema_name="page")
    sections = msgspec.json.encode(page.data).decode()
    assert page.provider == "offline" and "PricingTable" in sections and "FAQ" in sections
    assert page.usage.input_tokens > 0 and page.usage.output_tokens > 0
    description = await provider.describe_image(png(800, 400, (200, 30, 40)), filename="red-velvet-cake.png")
    assert description.provider == "offline" and "red velvet cake" in description.alt_text.lower()
    vectors = await provider.embed(["red velvet cake", "chocolate cake", "tax return form"])
    assert vectors.provider == "offline" and vectors.model == "offline-hashing-v1"
    assert len(vectors.vectors) == 3 and all(len(v) == 1536 for v in vectors.vectors)
    await provider.aclose()
