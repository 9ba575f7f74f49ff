"""A picture of a certificate PDF's first page, for the learner's sharing page."""

import io

import pypdfium2

PREVIEW_WIDTH_PX = 640


def pdf_first_page_png(pdf: bytes) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = PREVIEW_WIDTH_PX / page.get_width()
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()
