import datetime
import re
import subprocess

import pytest
from weasyprint.urls import FatalURLFetchingError

from certificates import pdf, services
from certificates.models import CertificateEvent
from tests.accounts.factories import UserFactory
from tests.certificates.helpers import pdf_bytes, pdf_text
from tests.requirements import require_font, require_program

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def certificate_fonts():
    """The PDF is printed in these families; without them WeasyPrint falls back and the checks below mean nothing."""
    require_font("DejaVu Serif", package="fonts-dejavu-core")
    require_font("Noto Naskh Arabic", package="fonts-noto-core")
    require_font("Noto Serif CJK", package="fonts-noto-cjk")


NAMES = ["José Núñez", "王小明", "محمد عبد الله"]


def _visible(text: str) -> str:
    # pdftotext wraps right-to-left runs in bidi embedding marks.
    return "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e\u200e\u200f")


@pytest.mark.parametrize("name", NAMES)
def test_names_in_three_scripts_are_printed_exactly(issue, name):
    certificate = issue(learner=UserFactory(certificate_name=name))
    text = _visible(pdf_text(pdf_bytes(certificate)))
    if name.startswith("محمد"):
        # Naskh draws "الله" as one ligature; poppler returns its letters in visual order,
        # so compare letters for that word and the other words as written.
        assert "محمد" in text and "عبد" in text
        line = next(line for line in text.splitlines() if "محمد" in line)
        assert sorted(line.replace("محمد", "").replace("عبد", "").replace(" ", "")) == sorted("الله")
    else:
        assert name in text
    assert "\ufffd" not in text  # no missing glyphs
    assert certificate.display_id in text
    assert "Applying xAI Grok 4 for Prompting, Tool Use, Search & Vision" in text
    assert "Version 2026.11" in text


def test_fonts_for_each_script_are_embedded(issue):
    fonts = set()
    require_program("pdffonts", package="poppler-utils")
    for name in NAMES:
        data = pdf_bytes(issue(learner=UserFactory(certificate_name=name)))
        listing = subprocess.run(
            ["pdffonts", "-"], input=data, capture_output=True, check=True, timeout=30
        ).stdout.decode()
        fonts |= {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:]}
    names = {font.replace("-", "") for font in fonts}
    assert any(font.startswith("NotoNaskhArabic") for font in names), fonts
    assert any("CJK" in font for font in names), fonts
    assert any(font.startswith("DejaVuSerif") for font in names), fonts


def test_pdf_prints_dates_issuer_demos_and_has_metadata(issue):
    certificate = issue(
        issued_at=datetime.datetime(2026, 3, 4, 10, tzinfo=datetime.UTC),
        expires_at=datetime.datetime(2028, 3, 4, 10, tzinfo=datetime.UTC),
    )
    data = pdf_bytes(certificate)
    text = pdf_text(data)
    for expected in (
        "4 March 2026",
        "4 March 2028",
        "GROK 4 CERTIFICATION",
        "Structured extraction, Function calling",
        f"/verify/{certificate.display_id}/",
    ):
        assert expected in text.replace("G R O K 4 C E RT I F I C AT I O N", "GROK 4 CERTIFICATION")
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True, timeout=30).stdout.decode()
    assert f"Title:           Certificate {certificate.display_id}" in info
    assert "Author:          Grok 4 Certification" in info
    assert "Subject:" in info and certificate.holder_name in info
    assert "Keywords:" in info and certificate.display_id in info
    assert re.search(r"Page size:\s+841\.89 x 595\.2\d* pts \(A4\)", info)  # A4, landscape


def test_test_mode_certificates_say_so_on_the_page(issue):
    text = pdf_text(pdf_bytes(issue(test_mode=True)))
    assert "ISSUED IN TEST MODE: NOT A VALID CREDENTIAL" in text


def test_markup_in_a_name_is_printed_as_text_not_fetched(issue):
    name = '<img src="file:///etc/passwd"> Eve'
    text = pdf_text(pdf_bytes(issue(learner=UserFactory(certificate_name=name))))
    assert name in text
    assert "root:" not in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/logo.svg",
        "ftp://example.com/x",
        "bundled:../settings.py",
    ],
)
def test_url_fetcher_refuses_files_network_and_unknown_assets(url):
    with pytest.raises(pdf.RefusedURL):
        pdf.BundledAssetFetcher().fetch(url)


def test_url_fetcher_serves_data_uris_and_bundled_assets():
    assert pdf.BundledAssetFetcher().fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert b"<svg" in pdf.BundledAssetFetcher().fetch("bundled:seal.svg").read()


def test_a_template_reaching_for_a_local_file_stops_the_render(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "certificate_html", lambda document: '<img src="file:///etc/hostname"><p>x</p>')
    document = pdf.CertificateDocument(
        display_id="X",
        holder_name="X",
        course_title="X",
        course_version="1",
        issued_on=datetime.date(2026, 1, 1),
        expires_on=None,
        demos=(),
        test_mode=False,
        issuer_name="X",
        verify_url="http://testserver/verify/X/",
    )
    with pytest.raises(FatalURLFetchingError):
        pdf.pdf_render(document)


def test_issued_pdf_validates_with_poppler_pdfsig(issue):
    require_program("pdfsig", package="poppler-utils")
    certificate = issue()
    report = subprocess.run(
        ["pdfsig", certificate.pdf.path], capture_output=True, check=True, timeout=30
    ).stdout.decode()
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report  # PAdES
    assert "Grok 4 Certification certificate signing" in report


def test_signing_is_recorded_once_even_when_repeated(issue):
    certificate = issue()
    first_hash = certificate.pdf_sha256
    again = services.certificate_render_and_sign(certificate_id=certificate.pk)
    assert again.pdf_sha256 == first_hash
    assert certificate.events.filter(kind=CertificateEvent.Kind.PDF_SIGNED).count() == 1
    assert certificate.signing_key.is_active
