"""Links in a generated page stay on the site, whatever the brief or the model said."""

from services.cms.grounding import LinkRules, ground_links


def page(*children: dict) -> dict:  # type: ignore[type-arg]
    return {"root": {"id": "page", "component": "Page", "props": {"title": "T"}, "children": list(children)}}


def test_links_off_the_site_become_anchors() -> None:
    tree = page(
        {"id": "s", "component": "Section", "props": {"anchor": "pricing"}, "children": [
            {"id": "b", "component": "Button", "props": {"label": "Go", "href": "https://evil.example/x.png"},
             "children": []},
            {"id": "h", "component": "Hero", "props": {"headline": "H", "cta_href": "/pricing"}, "children": []},
            {"id": "t", "component": "RichText", "props": {"markdown": (
                "[ok](/about) [bad](https://evil.example/) [brief](https://maison-levain.fr/shop) "
                "[missing](/nowhere) [mail](mailto:a@b.fr)")}, "children": []},
        ]})
    ground_links(tree, {"/", "/about"})
    button, hero, text = tree["root"]["children"][0]["children"]
    assert button["props"]["href"] == "#"
    assert hero["props"]["cta_href"] == "#pricing"  # the page has no /pricing, but a pricing section
    assert text["props"]["markdown"] == (
        "[ok](/about) [bad](#) [brief](#) [missing](#) [mail](mailto:a@b.fr)")


def test_the_rules_keep_what_is_allowed() -> None:
    rules = LinkRules(pages={"/", "/blog/post"}, anchors={"faq"})
    assert [rules.fix(h) for h in ("/", "/blog/post#top", "#faq", "mailto:a@b.c", "https://x.example/b",
                                   "javascript:alert(1)", "/faq")] == [
        "/", "/blog/post#top", "#faq", "mailto:a@b.c", "#", "#", "#faq"]
