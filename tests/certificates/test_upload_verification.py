"""Every verdict of /verify/upload/, from real files: ours, edited, forged and foreign."""

import dataclasses
import io

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import override_settings
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from certificates import issuer, pdf, services
from certificates.credential_id import credential_id_format, credential_id_generate
from certificates.verification import UploadVerdict, upload_verify
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import days_ago, pdf_bytes, pdf_text, upload

pytestmark = pytest.mark.django_db


def verdict_of(data: bytes) -> UploadVerdict:
    return upload_verify(data, now=timezone.now()).verdict


def test_the_issued_file_is_authentic(client, issue):
    certificate = issue()
    response = upload(client, pdf_bytes(certificate))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.verdict == UploadVerdict.AUTHENTIC
    assert result.certificate == certificate
    assert result.sha256 == certificate.pdf_sha256
    assert "Authentic" in response.content.decode()


def _flip(data: bytes, position: int) -> bytes:
    flipped = bytearray(data)
    flipped[position] ^= 0x01
    return bytes(flipped)


def test_one_flipped_byte_in_the_page_or_the_signature_is_altered(issue):
    data = pdf_bytes(issue())
    page_stream = data.index(b"stream\n") + len(b"stream\n") + 40
    signature_hex = data.index(b"/Contents <") + 200
    assert verdict_of(_flip(data, page_stream)) == UploadVerdict.ALTERED
    assert verdict_of(_flip(data, signature_hex)) == UploadVerdict.ALTERED


def test_no_single_flipped_byte_anywhere_passes(issue):
    data = pdf_bytes(issue())
    verdicts = [verdict_of(_flip(data, position)) for position in range(0, len(data), 97)]
    assert UploadVerdict.AUTHENTIC not in verdicts
    # A handful of flips break the catalogue's link to the signature field: the file then
    # has no signature at all, which still cannot pass.
    assert set(verdicts) <= {UploadVerdict.ALTERED, UploadVerdict.NOT_ISSUED}
    assert verdicts.count(UploadVerdict.ALTERED) > 0.9 * len(verdicts)


def _replace_page_with(data: bytes, text: bytes) -> bytes:
    """Appends an incremental update that swaps the page's content for our own drawing."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    font = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Font"),
                generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
            }
        )
    )
    content = writer.add_object(generic.StreamObject(stream_data=b"BT /Forged 36 Tf 100 300 Td (" + text + b") Tj ET"))
    page["/Contents"] = content
    page["/Resources"] = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject({generic.NameObject("/Forged"): font}),
        }
    )
    writer.mark_update(page_ref)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_an_appended_update_that_replaces_the_page_is_altered(client, issue):
    original = pdf_bytes(issue())
    forged = _replace_page_with(original, b"FORGED NAME")
    assert forged.startswith(original)  # the signed bytes are untouched...
    assert "FORGED NAME" in pdf_text(forged)  # ...yet a reader shows the forgery
    response = upload(client, forged)
    assert response.context["result"].verdict == UploadVerdict.ALTERED
    assert "added to the file after it was signed" in response.context["result"].detail


def test_bytes_appended_after_the_end_are_altered(issue):
    assert verdict_of(pdf_bytes(issue()) + b"\n% trailing comment\n") == UploadVerdict.ALTERED


def _foreign_signer(tmp_path):
    """Someone else's CA and EC P-256 signing key, made the same way as ours."""
    now = timezone.now()
    root_key, root = issuer.make_root(common_name="Grok 4 Certification root CA", now=now)
    key, certificate = issuer.make_signing_certificate(root_key=root_key, root=root, now=now)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return signers.SimpleSigner.load(
        str(tmp_path / "key.pem"), str(tmp_path / "cert.pem"), ca_chain_files=(str(tmp_path / "root.pem"),)
    )


def test_a_certificate_signed_by_another_ca_is_not_issued_by_us(issue, tmp_path):
    certificate = issue()
    # The same page, rendered by us, but signed (PAdES, as we do) with a look-alike key.
    unsigned = pdf.pdf_render(services.certificate_document(certificate=certificate))
    metadata = signers.PdfSignatureMetadata(field_name="Signature", subfilter=fields.SigSeedSubFilter.PADES)
    forged = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned)), metadata, signer=_foreign_signer(tmp_path)
    )
    forged = forged.getvalue()
    result = upload_verify(forged, now=timezone.now())
    assert result.verdict == UploadVerdict.NOT_ISSUED
    assert "not made with any of our signing keys" in result.detail


def test_our_key_chained_to_a_root_we_do_not_trust_is_not_issued(issue, settings, tmp_path):
    data = pdf_bytes(issue())
    other_root = tmp_path / "other-root.pem"
    _foreign_signer(tmp_path)
    other_root.write_bytes((tmp_path / "root.pem").read_bytes())
    settings.CERT_ROOT_CERT_PATH = other_root
    assert verdict_of(data) == UploadVerdict.NOT_ISSUED


def test_an_unsigned_copy_of_a_real_certificate_is_altered(issue):
    certificate = issue()
    unsigned = pdf.pdf_render(services.certificate_document(certificate=certificate))
    result = upload_verify(unsigned, now=timezone.now())
    assert result.verdict == UploadVerdict.ALTERED
    assert "our signature is missing" in result.detail


def test_an_unsigned_pdf_of_our_layout_with_an_unknown_id_is_not_issued_by_us(issue):
    document = services.certificate_document(certificate=issue())
    unknown = dataclasses.replace(document, display_id=credential_id_format(credential_id_generate()))
    result = upload_verify(pdf.pdf_render(unknown), now=timezone.now())
    assert result.verdict == UploadVerdict.NOT_ISSUED
    assert "no digital signature" in result.detail


def test_a_file_we_signed_for_an_id_we_never_issued_is_not_issued(issue, signing_issuer):
    document = services.certificate_document(certificate=issue())
    unknown = dataclasses.replace(document, display_id=credential_id_format(credential_id_generate()))
    stray = pdf.pdf_sign(pdf.pdf_render(unknown), signer=issuer.signer_load(), location="test")
    assert verdict_of(stray) == UploadVerdict.NOT_ISSUED


def test_a_second_signed_rendering_of_an_issued_id_is_not_the_issued_file(issue, signing_issuer):
    certificate = issue()
    document = services.certificate_document(certificate=certificate)
    other = pdf.pdf_sign(pdf.pdf_render(document), signer=issuer.signer_load(), location="test")
    result = upload_verify(other, now=timezone.now())
    assert result.verdict == UploadVerdict.ALTERED
    assert result.certificate == certificate


def test_a_revoked_certificate_is_reported_revoked(client, issue, instructor):
    certificate = issue()
    services.certificate_revoke(
        certificate_id=certificate.pk, actor=instructor, reason="academic_misconduct", note="Copied"
    )
    response = upload(client, pdf_bytes(certificate))
    assert response.context["result"].verdict == UploadVerdict.REVOKED
    assert "revoked" in response.content.decode()


def test_an_expired_certificate_is_reported_expired(issue):
    certificate = issue(issued_at=days_ago(800), expires_at=days_ago(70))
    assert verdict_of(pdf_bytes(certificate)) == UploadVerdict.EXPIRED


def test_a_test_mode_certificate_is_never_authentic(client, issue):
    certificate = issue(test_mode=True)
    response = upload(client, pdf_bytes(certificate))
    assert response.context["result"].verdict == UploadVerdict.TEST_MODE
    assert "Issued in test mode: not a valid credential" in response.content.decode()


def test_a_superseded_certificate_is_reported_superseded(issue, signing_issuer):
    certificate = issue(learner=UserFactory(certificate_name="Jose Nunez"))
    learner = certificate.learner
    learner.certificate_name = "José Núñez"
    learner.save()
    services.certificate_reissue_for_name_change(user_id=learner.pk)
    assert verdict_of(pdf_bytes(certificate)) == UploadVerdict.SUPERSEDED


def test_a_file_that_is_not_a_pdf_is_refused(client, db):
    response = upload(client, b"GIF89a not a pdf at all", name="certificate.pdf")
    assert response.status_code == 400
    assert "This file is not a PDF or a PNG badge image." in response.content.decode()
    assert "result" not in response.context


def test_an_unreadable_pdf_is_not_ours_and_a_damaged_copy_of_ours_is_altered(client, issue):
    response = upload(client, b"%PDF-1.7\n garbage that is not a PDF body")
    assert response.status_code == 200
    assert response.context["result"].verdict == UploadVerdict.NOT_ISSUED
    data = pdf_bytes(issue())
    title = data.index(b"/Title (Certificate ")
    damaged = data[: title + 40]
    assert upload(client, damaged).context["result"].verdict == UploadVerdict.ALTERED


@override_settings(CERT_UPLOAD_MAX_BYTES=2000)
def test_an_oversize_upload_is_refused_before_reading(client, issue):
    response = upload(client, b"%PDF-1.7\n" + b"0" * 80_000)
    assert response.status_code == 413
    assert "larger than our limit" in response.content.decode()


@override_settings(CERT_UPLOAD_MAX_BYTES=2000)
def test_an_upload_just_over_the_limit_is_refused_by_the_form(client, db):
    response = upload(client, b"%PDF-1.7\n" + b"0" * 3000)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_uploads_are_not_kept(client, issue, settings):
    certificate = issue()
    media_files_before = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    upload(client, pdf_bytes(certificate) + b"x")
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == media_files_before


def test_certificates_signed_before_a_key_rotation_still_verify(isolated_issuer):
    before = services.certificate_render_and_sign(certificate_id=CertificateFactory().pk)
    old_kid = before.signing_key.kid
    issuer.development_signing_key_rotate(isolated_issuer, now=timezone.now())
    after = services.certificate_render_and_sign(certificate_id=CertificateFactory().pk)
    assert after.signing_key.kid != old_kid
    assert after.signing_key.is_active
    before.signing_key.refresh_from_db()
    assert not before.signing_key.is_active
    assert verdict_of(pdf_bytes(before)) == UploadVerdict.AUTHENTIC
    assert verdict_of(pdf_bytes(after)) == UploadVerdict.AUTHENTIC
