"""The one markdown configuration of rich text. The renderer turns it into HTML and the link
rule (links.py) reads its links, so the two cannot disagree about what is a link.

CommonMark with raw HTML off (a tag is shown as text) and linkify off (a bare address stays
text); `store_labels` keeps a reference link's label on its token, so a link rewritten
from tokens knows which definition it used."""

from __future__ import annotations

from markdown_it import MarkdownIt

OPTIONS = {"html": False, "linkify": False, "store_labels": True}


def _configured() -> MarkdownIt:
    return MarkdownIt("commonmark", OPTIONS)


MARKDOWN = _configured()

# The same parser with its link filter off. The renderer declines javascript:, vbscript:,
# file: and most data: targets and leaves such a link as text; another renderer (an
# editor's preview, an API client's) might not, so the link rule sees those links too and
# the text it saves holds none of them.
LINK_READER = _configured()
LINK_READER.validateLink = lambda url: True  # type: ignore[method-assign]
