"""Markdown to safe HTML, done once at sync time and stored."""

from dataclasses import dataclass

import markdown
import nh3

_EXTENSIONS = [
    "fenced_code",
    "codehilite",
    "tables",
    "toc",
    "admonition",
    "attr_list",
    "def_list",
    "sane_lists",
]
_EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "codehilite", "guess_lang": False},
    "toc": {"permalink": False, "toc_depth": "2-3"},
}

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc_html: str
    heading_ids: frozenset[str]


def sanitize_html(html: str) -> str:
    """Clean HTML, then make code blocks keyboard-scrollable (a wide block must be reachable by Tab)."""
    return _clean(html).replace("<pre>", '<pre tabindex="0">')


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _collect_ids(toc_tokens: list[dict]) -> set[str]:
    ids: set[str] = set()
    for token in toc_tokens:
        ids.add(token["id"])
        ids |= _collect_ids(token.get("children", []))
    return ids


def render_markdown(text: str) -> RenderedMarkdown:
    """Render with Pygments highlighting, tables, a table of contents and admonitions, then sanitize."""
    converter = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")
    html = converter.convert(text)
    tokens = getattr(converter, "toc_tokens", [])
    return RenderedMarkdown(
        html=sanitize_html(html),
        toc_html=sanitize_html(getattr(converter, "toc", "")) if tokens else "",
        heading_ids=frozenset(_collect_ids(tokens)),
    )


def render_inline_markdown(text: str) -> str:
    """Short Markdown such as a question stem or an explanation: no table of contents."""
    return sanitize_html(
        markdown.markdown(
            text,
            extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
            extension_configs={"codehilite": _EXTENSION_CONFIGS["codehilite"]},
        )
    )
