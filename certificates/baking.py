"""Baked badges: the Open Badges 3.0 credential inside a PNG (OB 3.0 §5.3, an iTXt chunk
with the keyword `openbadgecredential` holding the VC-JWT), drawn and read with Pillow."""

import functools
import io

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAKED_KEYWORD = "openbadgecredential"
_SIZE = 512
# A baked badge is a small image; anything larger than this is not one of ours.
MAX_BADGE_PIXELS = 2048 * 2048


@functools.cache
def _badge_artwork() -> Image.Image:
    """The badge picture, drawn once per process: a seal with the issuer's name."""
    image = Image.new("RGBA", (_SIZE, _SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, _SIZE - 8, _SIZE - 8), fill=(27, 31, 36, 255))
    draw.ellipse((40, 40, _SIZE - 40, _SIZE - 40), outline=(214, 178, 94, 255), width=10)
    title = ImageFont.load_default(size=44)
    subtitle = ImageFont.load_default(size=28)
    draw.text((_SIZE / 2, _SIZE / 2 - 30), "Certified", font=title, fill=(255, 255, 255, 255), anchor="mm")
    draw.text(
        (_SIZE / 2, _SIZE / 2 + 30), settings.CERT_ISSUER_NAME, font=subtitle, fill=(214, 178, 94, 255), anchor="mm"
    )
    return image


def badge_bake(credential: str) -> bytes:
    """The badge PNG carrying `credential` (the VC-JWT, or the unsigned JSON of a test-mode one)."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(BAKED_KEYWORD, credential, zip=False)
    output = io.BytesIO()
    _badge_artwork().save(output, format="PNG", pnginfo=info)
    return output.getvalue()


def badge_extract(data: bytes) -> str | None:
    """The credential baked into a PNG, or None. The caller bounds the file size; Pillow
    refuses images above MAX_BADGE_PIXELS before decoding any pixel."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if width * height > MAX_BADGE_PIXELS:
                return None
            value = image.text.get(BAKED_KEYWORD)  # type: ignore[attr-defined]
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
    return str(value) if value else None
