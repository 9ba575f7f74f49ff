"""Employers' bulk verification (page and API) and the per-certificate verification count."""

import base64
import csv
import io
import json
import re
from html import escape

import pytest
from django.test import override_settings

from certificates import services
from certificates.credential_id import credential_id_format, credential_id_generate
from certificates.models import Verification
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _csv_from_page(html: str) -> list[dict]:
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html).group(1)
    return list(csv.DictReader(io.StringIO(base64.b64decode(href).decode())))


def test_bulk_page_checks_pasted_ids_and_offers_the_table_as_csv(client, issue, instructor):
    valid, revoked = issue(), issue(learner__certificate_name="Zoë Ångström")
    services.certificate_revoke(certificate_id=revoked.pk, actor=instructor, reason="other", note="x")
    unknown = credential_id_format(credential_id_generate())
    pasted = f"{valid.display_id.lower()}\n{revoked.display_id}, {unknown}; nonsense"
    response = client.post("/verify/bulk/", {"credential_ids": pasted}, REMOTE_ADDR="10.3.0.1")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.verdict for row in rows] == ["valid", "revoked", "not_found", "invalid_credential_id"]
    html = response.content.decode()
    assert "Zoë Ångström" in html and escape(valid.course_title) in html
    exported = _csv_from_page(html)
    assert [row["verdict"] for row in exported] == ["valid", "revoked", "not_found", "invalid_credential_id"]
    assert exported[1]["holder_name"] == "Zoë Ångström" and exported[1]["credential_id"] == revoked.display_id
    assert set(exported[0]) == {
        "submitted",
        "credential_id",
        "holder_name",
        "course",
        "status",
        "verdict",
        "verdict_label",
    }


def test_bulk_page_reads_a_csv_with_a_header_and_refuses_more_than_100_ids(client, issue):
    certificates = [issue(), issue()]
    table = "credential_id,name\n" + "".join(f"{c.display_id},someone\n" for c in certificates)
    response = client.post("/verify/bulk/", {"csv_file": _file(table.encode(), "ids.csv")}, REMOTE_ADDR="10.3.0.2")
    assert [row.certificate for row in response.context["rows"]] == certificates
    too_many = "\n".join(credential_id_format(credential_id_generate()) for _ in range(101))
    refused = client.post("/verify/bulk/", {"credential_ids": too_many}, REMOTE_ADDR="10.3.0.2")
    assert refused.status_code == 400 and "At most 100 ids" in refused.content.decode()


def test_bulk_page_checks_several_pdfs_at_once(client, issue):
    genuine, other = issue(), issue()
    forged = bytearray(pdf_bytes(other))
    forged[forged.index(b"stream\n") + 50] ^= 0x01
    files = [_file(pdf_bytes(genuine), "a.pdf"), _file(bytes(forged), "b.pdf")]
    response = client.post("/verify/bulk/", {"pdfs": files}, REMOTE_ADDR="10.3.0.3")
    assert response.status_code == 200
    assert [(row.submitted, row.verdict) for row in response.context["rows"]] == [
        ("a.pdf", "authentic"),
        ("b.pdf", "altered"),
    ]


@override_settings(CERT_BULK_MAX_FILES=2)
def test_bulk_page_refuses_too_many_pdfs(client, issue):
    data = pdf_bytes(issue())
    files = [_file(data, f"{n}.pdf") for n in range(3)]
    response = client.post("/verify/bulk/", {"pdfs": files}, REMOTE_ADDR="10.3.0.4")
    assert response.status_code == 400 and "At most 2 files" in response.content.decode()


def test_bulk_api_answers_json_for_ids_and_for_files(client, issue):
    certificate = issue()
    unknown = credential_id_format(credential_id_generate())
    response = client.post(
        "/api/v1/credentials:verify",
        json.dumps({"credential_ids": [certificate.display_id, unknown]}),
        content_type="application/json",
        REMOTE_ADDR="10.3.0.5",
    )
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    results = response.json()["results"]
    assert results[0]["verdict"] == "valid" and results[0]["holder_name"] == certificate.holder_name
    assert results[1] == {
        "submitted": unknown,
        "credential_id": None,
        "holder_name": None,
        "course": None,
        "status": None,
        "verdict": "not_found",
        "verdict_label": "No certificate has this id.",
    }
    files = client.post(
        "/api/v1/credentials:verify", {"file": [_file(pdf_bytes(certificate), "c.pdf")]}, REMOTE_ADDR="10.3.0.5"
    )
    assert files.json()["results"][0]["verdict"] == "authentic"


@override_settings(CERT_UPLOAD_MAX_BYTES=1000, CERT_BULK_MAX_FILES=1)
def test_bulk_api_refuses_an_oversize_request_before_reading_it(client, db):
    response = client.post(
        "/api/v1/credentials:verify", {"file": [_file(b"%PDF-" + b"0" * 80_000, "big.pdf")]}, REMOTE_ADDR="10.3.0.9"
    )
    assert response.status_code == 413 and response.json()["error"] == "too_large"


@pytest.mark.parametrize(
    "body",
    ["not json", json.dumps({"credential_ids": "7K3M"}), json.dumps({"credential_ids": []}), json.dumps([1])],
)
def test_bulk_api_refuses_bad_bodies_with_a_clear_error(client, db, body):
    response = client.post("/api/v1/credentials:verify", body, content_type="application/json", REMOTE_ADDR="10.3.0.6")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


@override_settings(CERT_BULK_RATE_LIMIT=2, CERT_BULK_RATE_WINDOW=60)
def test_bulk_api_is_rate_limited_per_ip(client, db):
    body = json.dumps({"credential_ids": [credential_id_format(credential_id_generate())]})
    codes = [
        client.post("/api/v1/credentials:verify", body, content_type="application/json", REMOTE_ADDR="10.3.0.7")
        for _ in range(3)
    ]
    assert [response.status_code for response in codes] == [200, 200, 429]
    assert codes[-1]["Access-Control-Allow-Origin"] == "*" and int(codes[-1]["Retry-After"]) >= 1


def test_each_verification_is_counted_and_the_learner_sees_it(client, issue):
    certificate = issue()
    client.get(f"/verify/{certificate.display_id}/")
    client.get(f"/api/v1/credentials/{certificate.display_id}", REMOTE_ADDR="10.3.0.8")
    upload(client, pdf_bytes(certificate))
    client.post("/verify/bulk/", {"credential_ids": certificate.display_id}, REMOTE_ADDR="10.3.0.8")
    assert sorted(certificate.verifications.values_list("channel", flat=True)) == ["api", "bulk", "page", "upload"]
    # Nothing about the verifier is stored: only which certificate, how and when.
    assert {field.name for field in Verification._meta.get_fields()} == {"id", "certificate", "channel", "created_at"}
    client.force_login(certificate.learner)
    client.get(f"/verify/{certificate.display_id}/")  # the holder's own look does not count
    page = client.get("/certificates/").content.decode()
    assert "Verified 4 times by employers" in page


def test_a_certificate_nobody_checked_reads_zero(client, db):
    certificate = CertificateFactory()
    client.force_login(certificate.learner)
    assert "Verified 0 times by employers" in client.get("/certificates/").content.decode()
