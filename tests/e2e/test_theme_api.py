"""The theme API through the gateway: the picker's options, presets and fonts by name, the
422s that say what is allowed, and a theme stored as chosen."""

from shared import fonts
from shared.theme import DEFAULT_PRESET, PRESET_NAMES
from tests.e2e.platform_client import PlatformClient


async def test_a_member_picks_a_preset_and_fonts_from_the_options(client: PlatformClient) -> None:
    owner = await client.sign_up("themeapi")
    fresh = await client.call("GET", "/api/identity/tenant", slug=owner.slug, token=owner.token)
    assert fresh.json()["theme"] == {"preset": DEFAULT_PRESET}  # a new tenant: the default preset, nothing else

    listed = await client.call("GET", "/api/identity/theme/options", slug=owner.slug, token=owner.token)
    assert listed.status_code == 200
    options = listed.json()
    assert [p["name"] for p in options["presets"]] == list(PRESET_NAMES)
    assert [f["name"] for f in options["fonts"]] == list(fonts.FAMILY_NAMES)
    assert (await client.call("GET", "/api/identity/theme/options", slug=owner.slug)).status_code == 401

    async def put(document: dict) -> tuple[int, dict]:  # type: ignore[type-arg]
        response = await client.call("PUT", "/api/identity/tenant/theme", slug=owner.slug, token=owner.token,
                                     json=document)
        return response.status_code, response.json()

    status, problem = await put({"preset": "hearth", "fonts": {"heading": "Comic Sans MS"}})
    assert status == 422 and "Fraunces" in problem["detail"] and problem["errors"][0]["field"] == "fonts.heading"
    status, problem = await put({"preset": "vaporwave"})
    assert status == 422 and "noir" in problem["detail"]
    status, problem = await put({"colors": {"text": "#777777", "background": "#888888"}})
    assert status == 422 and problem["errors"][0]["field"] == "colors.text"

    chosen = {"preset": "hearth", "fonts": {"heading": "Lora"}, "brand": {"voice": "warm", "audience": "neighbours"}}
    status, tenant = await put(chosen)
    assert status == 200 and tenant["theme"] == chosen
