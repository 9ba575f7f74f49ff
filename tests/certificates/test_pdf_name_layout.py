"""The longest name the form accepts still fits the certificate layout, in the widest glyphs."""

import datetime

import pytest
from weasyprint import CSS, HTML

from accounts.names import CERTIFICATE_NAME_MAX_LENGTH
from certificates import pdf
from tests.requirements import require_font

MM_PER_PX = 25.4 / 96
PAGE_WIDTH_MM, FRAME_BORDER_MM, FRAME_PADDING_MM = 297, 6, 24


@pytest.fixture(autouse=True)
def certificate_fonts():
    require_font("DejaVu Serif", package="fonts-dejavu-core")
    require_font("Noto Serif CJK", package="fonts-noto-cjk")


def _layout(name: str) -> dict[str, list]:
    """Boxes of the rendered first page by class: (top, bottom, widest line) in mm."""
    document = pdf.CertificateDocument(
        display_id="7K3M-9Q2W-X4RT-8",
        holder_name=name,
        course_title="Applying xAI Grok 4 for Prompting, Tool Use, Search & Vision",
        course_version="2026.11",
        issued_on=datetime.date(2026, 11, 22),
        expires_on=datetime.date(2028, 11, 22),
        demos=("Structured extraction", "Function calling", "Chart analysis", "Live search", "Injection defence"),
        test_mode=True,
        issuer_name="Grok 4 Certification",
        verify_url="https://certify.example.com/verify/7K3M-9Q2W-X4RT-8/",
    )
    fetcher = pdf.BundledAssetFetcher()
    stylesheet = CSS(filename=str(pdf.ASSETS_DIR / "certificate_pdf.css"), url_fetcher=fetcher)
    rendered = HTML(string=pdf.certificate_html(document), url_fetcher=fetcher).render(stylesheets=[stylesheet])
    assert len(rendered.pages) == 1
    found: dict[str, list] = {}

    def line_widths(box) -> list[float]:
        if type(box).__name__ == "LineBox":
            return [sum(child.margin_width() for child in box.children) * MM_PER_PX]
        return [width for child in getattr(box, "children", []) for width in line_widths(child)]

    def walk(box) -> None:
        element = getattr(box, "element", None)
        # The outermost box of an element: its lines and text boxes carry the same element.
        if element is not None and element.get("class") and element.get("class").split()[0] not in found:
            top = box.position_y * MM_PER_PX
            widths = line_widths(box)
            found[element.get("class").split()[0]] = [top, top + box.margin_height() * MM_PER_PX, max(widths or [0])]
        for child in getattr(box, "children", []):
            walk(child)

    walk(rendered.pages[0]._page_box)
    return found


@pytest.mark.parametrize("glyph", ["W", "Ｗ", "龍", "WWWWWWWWWWWWWWWWWW "])
def test_the_longest_accepted_name_stays_clear_of_the_details_and_the_qr_code(glyph):
    name = (glyph * CERTIFICATE_NAME_MAX_LENGTH)[:CERTIFICATE_NAME_MAX_LENGTH]
    boxes = _layout(name)
    text_width = PAGE_WIDTH_MM - 2 * (FRAME_BORDER_MM + FRAME_PADDING_MM)
    assert boxes["holder"][2] <= text_width  # wraps inside the frame, never runs off the page
    lowest_text = max(boxes[name][1] for name in ("holder", "course", "version", "demos"))
    assert lowest_text < min(boxes["details"][0], boxes["qr"][0])
