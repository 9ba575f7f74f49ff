"""PAdES B-LTA: every issued PDF carries a signature timestamp, its chain and CRL in the DSS,
and a document timestamp, so it still verifies long after the signing key has expired."""

import asyncio
import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation

from certificates import issuer, pdf, services, timestamping, verification
from certificates.models import Certificate
from certificates.verification import UploadVerdict, upload_verify
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import pdf_bytes

pytestmark = pytest.mark.django_db

IN_2041 = datetime.datetime(2041, 6, 1, 12, tzinfo=datetime.UTC)


def pades_lta_result(data: bytes):
    """pyHanko's ETSI EN 319 102-1 long-term validation, trusting only the dev root."""
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    return asyncio.run(ades_lta_validation(signature, verification._validation_spec()))


def test_issued_pdfs_are_b_lta_with_chain_crl_and_timestamps(issue):
    data = pdf_bytes(issue(expires_at=None))
    reader = PdfFileReader(io.BytesIO(data))
    kinds = [signature.sig_object_type for signature in reader.embedded_signatures]
    assert kinds == ["/Sig", "/DocTimeStamp"]
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 2 and len(dss["/CRLs"]) >= 1
    signer_info = reader.embedded_signatures[0].signer_info
    assert "signature_time_stamp_token" in [attribute["type"] for attribute in signer_info["unsigned_attrs"].native]
    result = pades_lta_result(data)
    assert result.ades_subindic == AdESPassed.OK
    assert result.oldest_evidence_record_timestamp is not None


def test_a_certificate_signed_today_verifies_in_2041_after_its_key_expired(issue, time_machine):
    certificate = issue(expires_at=None)
    data = pdf_bytes(certificate)
    signing_expiry = issuer.x509.load_pem_x509_certificate(certificate.signing_key.certificate_pem.encode())
    assert signing_expiry.not_valid_after_utc < IN_2041
    time_machine.move_to(IN_2041, tick=False)
    assert pades_lta_result(data).ades_subindic == AdESPassed.OK
    result = upload_verify(data, now=timezone.now())
    assert result.verdict == UploadVerdict.AUTHENTIC, result.detail


def test_a_key_rotation_changes_nothing_for_certificates_signed_before(isolated_issuer, time_machine):
    before = services.certificate_render_and_sign(certificate_id=CertificateFactory(expires_at=None).pk)
    issuer.development_signing_key_rotate(isolated_issuer, now=timezone.now())
    time_machine.move_to(IN_2041, tick=False)
    assert upload_verify(pdf_bytes(before), now=timezone.now()).verdict == UploadVerdict.AUTHENTIC


def _legacy_b_b(certificate: Certificate) -> bytes:
    """A PDF as signed before timestamping: PAdES B-B, no timestamp, no DSS."""
    metadata = signers.PdfSignatureMetadata(
        field_name=pdf.SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    rendered = pdf.pdf_render(services.certificate_document(certificate=certificate))
    return signers.sign_pdf(
        pdf.IncrementalPdfFileWriter(io.BytesIO(rendered)), metadata, signer=issuer.signer_load().pdf_signer
    ).getvalue()


def test_a_legacy_untimestamped_pdf_is_checked_at_the_issuance_time_we_recorded(issue, time_machine):
    certificate = issue(expires_at=None)
    legacy = _legacy_b_b(certificate)
    Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256=verification.hashlib.sha256(legacy).hexdigest())
    time_machine.move_to(IN_2041, tick=False)
    assert upload_verify(legacy, now=timezone.now()).verdict == UploadVerdict.AUTHENTIC
    # Recorded as issued after the signing key expired: the same signature proves nothing.
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=IN_2041 - datetime.timedelta(days=1))
    assert upload_verify(legacy, now=timezone.now()).verdict == UploadVerdict.NOT_ISSUED


def test_refresh_timestamps_adds_a_document_timestamp_when_due_and_old_copies_stay_genuine(issue, time_machine):
    certificate = issue(expires_at=None)
    original = pdf_bytes(certificate)
    call_command("refresh_timestamps")  # the dev TSA certificate is far from expiry: nothing due
    assert Certificate.objects.get(pk=certificate.pk).pdf_sha256 == certificate.pdf_sha256
    call_command("refresh_timestamps", within_days=30 * 365)
    refreshed = Certificate.objects.get(pk=certificate.pk)
    renewed = pdf_bytes(refreshed)
    assert refreshed.pdf_sha256 != certificate.pdf_sha256 and refreshed.earlier_pdf_sha256 == [certificate.pdf_sha256]
    assert renewed.startswith(original)
    kinds = [s.sig_object_type for s in PdfFileReader(io.BytesIO(renewed)).embedded_signatures]
    assert kinds == ["/Sig", "/DocTimeStamp", "/DocTimeStamp"]
    assert list(refreshed.events.values_list("kind", flat=True))[-1] == "timestamped"
    time_machine.move_to(IN_2041, tick=False)
    for data in (original, renewed):
        assert upload_verify(data, now=timezone.now()).verdict == UploadVerdict.AUTHENTIC
    assert pades_lta_result(renewed).ades_subindic == AdESPassed.OK


def test_signing_through_a_tsa_over_http(issue, settings, signing_issuer):
    server = timestamping.timestamp_server(port=0)
    handled = []
    original = server.RequestHandlerClass.do_POST

    def counting(handler):
        handled.append(handler.path)
        original(handler)

    server.RequestHandlerClass.do_POST = counting
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.CERT_TSA_URL = f"http://127.0.0.1:{server.server_address[1]}/"
        certificate = issue(expires_at=None)
    finally:
        server.shutdown()
        server.server_close()
    assert len(handled) >= 2  # the signature timestamp and the document timestamp
    assert upload_verify(pdf_bytes(certificate), now=timezone.now()).verdict == UploadVerdict.AUTHENTIC


def test_an_unreachable_tsa_fails_the_signing_task_instead_of_issuing_without_timestamp(issue, settings):
    settings.CERT_TSA_URL = "http://127.0.0.1:9/"
    with pytest.raises(Exception, match="(?i)timestamp"):
        issue()
    assert not Certificate.objects.exclude(pdf_sha256="").exists()


def test_the_development_root_reissues_its_crl_before_it_lapses(signing_issuer, time_machine):
    (first,) = issuer.revocation_lists()
    time_machine.move_to(timezone.now() + datetime.timedelta(days=10), tick=False)
    (renewed,) = issuer.revocation_lists()
    crl = issuer.x509.load_der_x509_crl(renewed)
    assert renewed != first and crl.last_update_utc <= timezone.now() < crl.next_update_utc
