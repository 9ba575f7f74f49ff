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


# Text nobody reviewed (a model's answer) keeps its structure but not `class` or `id`: with them
# it could dress itself as the page's own notices or clash with the ids the page's scripts use.
_UNTRUSTED_ATTRIBUTES = {
    tag: names - {"class", "id"} for tag, names in _ALLOWED_ATTRIBUTES.items() if names - {"class", "id"}
}


def _clean(html: str, *, attributes: dict[str, set[str]] = _ALLOWED_ATTRIBUTES) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=attributes,
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


def _inline_html(text: str) -> str:
    return markdown.markdown(
        text,
        extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
        extension_configs={"codehilite": _EXTENSION_CONFIGS["codehilite"]},
    )


def render_inline_markdown(text: str) -> str:
    """Short Markdown such as a question stem or an explanation: no table of contents."""
    return sanitize_html(_inline_html(text))


def render_untrusted_markdown(text: str) -> str:
    """Markdown nobody reviewed, such as a model's answer: sanitized without `class` and `id`."""
    return _clean(_inline_html(text), attributes=_UNTRUSTED_ATTRIBUTES).replace("<pre>", '<pre tabindex="0">')


def http_url(url: str) -> str:
    """`url` when it is an absolute http(s) address, else "": what may go into an href the
    model chose (a `javascript:` or `data:` link must never become clickable)."""
    url = url.strip()
    return url if url.lower().startswith(("https://", "http://")) and len(url) > len("https://") else ""
