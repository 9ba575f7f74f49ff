import datetime
import io
import subprocess

from django.utils import timezone

from certificates.models import Certificate
from tests.requirements import require_program


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    """Text as poppler's pdftotext extracts it: an independent reader of our PDFs."""
    require_program("pdftotext", package="poppler-utils")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True, timeout=30
    ).stdout.decode()


def upload(client, data: bytes, name: str = "certificate.pdf"):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post("/verify/upload/", {"pdf": handle})


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
