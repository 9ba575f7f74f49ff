"""Certificate PDFs: rendered with WeasyPrint from bundled assets only, signed with PAdES.

The learner's name is the one piece of user data in the document; the Django template
escapes it, and the URL fetcher below refuses everything but data: URIs and the files in
`pdf_assets/`, so nothing in a name can make the renderer read a local file or the network.
"""

import datetime
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import segno
from django.template.loader import render_to_string
from django.utils import translation
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, TimestampDSSContentSettings
from pyhanko.sign.validation import add_validation_info
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .issuer import LoadedSigner, signing_validation_context
from .timestamping import timestamper_load

ASSETS_DIR = Path(__file__).resolve().parent / "pdf_assets"
BUNDLED_SCHEME = "bundled:"
# The files a certificate template may reference, as bundled:<name>.
BUNDLED_ASSETS = {"seal.svg": "image/svg+xml"}
TEMPLATE = "certificates/certificate_pdf.html"
SIGNATURE_FIELD = "CertificateSignature"
TIMESTAMP_FIELD = "CertificateTimestamp"
# Validation data goes in before each document timestamp, so that the newest timestamp
# always covers the whole file and nothing can follow it unnoticed.
_TIMESTAMP_DSS = TimestampDSSContentSettings(include_vri=False, update_before_ts=True)


class RefusedURL(ValueError):
    pass


class BundledAssetFetcher(URLFetcher):
    """Serves data: URIs and the bundled assets; every other URL stops the rendering."""

    def __init__(self):
        # fail_on_errors: a refused URL aborts the render instead of leaving a silent gap.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)

    def fetch(self, url, headers=None):
        if url.startswith(BUNDLED_SCHEME):
            name = url[len(BUNDLED_SCHEME) :]
            if name not in BUNDLED_ASSETS:
                raise RefusedURL(f"Not a bundled certificate asset: {url}")
            return URLFetcherResponse(url, _bundled_asset(name), {"Content-Type": BUNDLED_ASSETS[name]})
        if not url.startswith("data:"):
            raise RefusedURL(f"Certificates may only use bundled assets, not {url[:80]}")
        return super().fetch(url, headers)


@functools.cache
def _bundled_asset(name: str) -> bytes:
    """Read once per process: the assets ship with the code and never change under it."""
    return (ASSETS_DIR / name).read_bytes()


@dataclass(frozen=True)
class CertificateDocument:
    """Everything the PDF prints."""

    display_id: str
    holder_name: str
    course_title: str
    course_version: str
    issued_on: datetime.date
    expires_on: datetime.date | None
    demos: tuple[str, ...]
    test_mode: bool
    issuer_name: str
    verify_url: str
    language: str = "en"  # a code from settings.LANGUAGES: the labels and dates are printed in it

    @property
    def qr_data_uri(self) -> str:
        return segno.make_qr(self.verify_url, error="m").svg_data_uri(border=0, dark="#1b1f24")


# One FontConfiguration and one parsed stylesheet per process: building them per document
# costs about a quarter of the render time.
_font_config: FontConfiguration | None = None
_stylesheet: CSS | None = None
_fetcher = BundledAssetFetcher()


def _shared_style() -> tuple[FontConfiguration, CSS]:
    global _font_config, _stylesheet
    if _stylesheet is None:
        _font_config = FontConfiguration()
        _stylesheet = CSS(
            string=(ASSETS_DIR / "certificate_pdf.css").read_text(), font_config=_font_config, url_fetcher=_fetcher
        )
    return _font_config, _stylesheet


def certificate_html(document: CertificateDocument) -> str:
    # Worker processes have no request: the document's language is activated explicitly.
    with translation.override(document.language):
        return render_to_string(TEMPLATE, {"doc": document})


def pdf_render(document: CertificateDocument) -> bytes:
    font_config, stylesheet = _shared_style()
    html = HTML(string=certificate_html(document), url_fetcher=_fetcher)
    return html.write_pdf(stylesheets=[stylesheet], font_config=font_config)


def pdf_sign(pdf: bytes, *, signer: LoadedSigner, location: str) -> bytes:
    """PAdES B-LTA certification signature that allows no later change to the document.

    The signature carries an RFC 3161 timestamp (when it was made); the chain and the
    root's CRL go into the document security store, and a document timestamp seals them
    (the DSS and document timestamps are the only updates a no-changes certification
    allows). Verification can then check the chain at the proven signing time, long
    after the signing key has expired.
    """
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason="Certificate issued",
        location=location,
        embed_validation_info=True,
        use_pades_lta=True,
        timestamp_field_name=TIMESTAMP_FIELD,
        validation_context=signing_validation_context(),
        dss_settings=DSSContentSettings(include_vri=False, next_ts_settings=_TIMESTAMP_DSS),
    )
    output = io.BytesIO()
    signers.PdfSigner(metadata, signer=signer.pdf_signer, timestamper=timestamper_load()).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=_signature_reserve(signer), output=output
    )
    return output.getvalue()


def pdf_timestamp_add(pdf: bytes) -> bytes:
    """The B-LTA archive step: current validation data for the newest timestamp, then a
    fresh document timestamp over everything, so the evidence outlives that timestamp's
    TSA certificate. The file still ends with a timestamp covering all of it."""
    newest = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[-1]
    with_validation_data = add_validation_info(
        newest, signing_validation_context(), add_vri_entry=False, output=io.BytesIO(), force_write=True
    )
    output = io.BytesIO()
    signers.PdfTimeStamper(timestamper=timestamper_load()).timestamp_pdf(
        IncrementalPdfFileWriter(with_validation_data),
        "sha256",
        validation_context=signing_validation_context(),
        output=output,
        dss_settings=_TIMESTAMP_DSS,
    )
    return output.getvalue()


def _signature_reserve(signer: LoadedSigner) -> int:
    """Room for the CMS container, counted in hex digits as it sits in the file: the
    embedded certificates plus 1 KB for the signer info and an ECDSA signature, and 8 KB
    for the signature timestamp token (about twice what they take). Without it pyHanko signs every document twice, a dry run to
    measure first, which is about 40% of the signing time."""
    certificates = [signer.pdf_signer.signing_cert, *signer.pdf_signer.cert_registry]
    return 2 * (sum(len(certificate.dump()) for certificate in certificates) + 1024 + 8192)


def signed_revision(data: bytes, signature) -> bytes:
    """The bytes of the revision a signature closes (its ByteRange ends at that %%EOF)."""
    _, _, second_start, second_length = signature.byte_range
    return data[: second_start + second_length]


def newest_timestamp_expiry(signed: bytes) -> datetime.datetime | None:
    """When the TSA certificate behind the file's newest document timestamp expires; None
    for a file without one (signed before timestamping)."""
    newest = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[-1]
    if newest.sig_object_type != "/DocTimeStamp":
        return None
    return newest.signer_cert["tbs_certificate"]["validity"]["not_after"].native
