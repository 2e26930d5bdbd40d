"""The programme leader's prose: Markdown in, sanitised HTML out.

markdown-it-py in CommonMark mode with raw HTML disabled (an HTML tag in the text is printed as
text), then nh3 with a strict allow-list as a second wall: only the tags a report paragraph needs,
links only to http(s) and e-mail, no attributes beyond ``href`` and ``start``. Headings in the text
are sub-headings of the report's fixed section headings, so only ``###`` and ``####`` are kept.
"""

import nh3
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")


def render_markdown(text):
    """Safe HTML for ``text`` (a Markdown string); empty for empty text."""
    if not text or not text.strip():
        return mark_safe("")
    html = _parser.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 with the allow-list above


def markdown_headings(text):
    """The texts of the headings in ``text`` (Markdown), in order."""
    tokens = _parser.parse(text or "")
    return [
        tokens[index + 1].content.strip()
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and index + 1 < len(tokens)
    ]
