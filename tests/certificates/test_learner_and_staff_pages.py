from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates import services
from certificates.models import Certificate, CertificateEvent
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import pdf_bytes

pytestmark = pytest.mark.django_db


# --- Learner ------------------------------------------------------------------------------------


def test_learner_sees_an_empty_state_without_certificates(learner_client):
    response = learner_client.get("/certificates/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "No certificates yet" in page and "Pass the certification exam" in page
    assert "Add your name" not in page


def test_a_learner_without_a_name_is_told_that_it_is_what_their_certificate_waits_for(client):
    nameless = UserFactory(certificate_name="", first_name="", last_name="")
    client.force_login(nameless)
    page = client.get("/certificates/").content.decode()
    assert "you have not given one yet" in page
    assert '<a class="button" href="/accounts/profile/">Add your name</a>' in page


def test_certificates_page_needs_sign_in(client):
    response = client.get("/certificates/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_learner_list_links_download_share_badge_and_linkedin(learner_client, learner, issue):
    certificate = issue(learner=learner)
    CertificateFactory()  # someone else's
    response = learner_client.get("/certificates/")
    body = response.content.decode()
    assert [row["certificate"] for row in response.context["rows"]] == [certificate]
    assert f"/certificates/{certificate.display_id}/download/" in body
    assert certificate.verification_url in body
    assert f"/credentials/{certificate.display_id}.json" in body
    linkedin = next(
        unescape(part.split('"')[0])
        for part in body.split('href="')
        if part.startswith("https://www.linkedin.com/profile/add?")
    )
    query = parse_qs(urlparse(linkedin).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == [certificate.course_title]
    assert query["organizationName"] == ["Grok 4 Certification"]
    assert query["issueYear"] == [str(certificate.issued_at.year)]
    assert query["issueMonth"] == [str(certificate.issued_at.month)]
    assert query["expirationYear"] == [str(certificate.expires_at.year)]
    assert query["certUrl"] == [certificate.verification_url]
    assert query["certId"] == [certificate.display_id]


def test_the_ready_notice_is_shown_once(learner_client, learner, issue):
    issue(learner=learner)
    first = learner_client.get("/certificates/")
    assert "is ready" in first.content.decode()
    second = learner_client.get("/certificates/")
    assert "is ready" not in second.content.decode()


def test_a_notice_is_marked_seen_only_when_it_was_shown(learner, issue):
    shown, signed_meanwhile = issue(learner=learner), issue(learner=learner)
    assert services.certificate_notices_take(certificates=[shown]) == [shown]
    shown.refresh_from_db()
    signed_meanwhile.refresh_from_db()
    assert shown.notice_seen_at is not None
    assert signed_meanwhile.notice_seen_at is None  # still announced on the next visit


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_learner_list_makes_the_same_queries_for_one_or_many_certificates(learner_client, learner):
    CertificateFactory(learner=learner)
    one = queries_for(learner_client, "/certificates/")
    CertificateFactory.create_batch(5, learner=learner)
    assert queries_for(learner_client, "/certificates/") == one


def test_only_the_owner_can_download_the_pdf(client, learner_client, learner, issue):
    mine = issue(learner=learner)
    theirs = issue()
    response = learner_client.get(f"/certificates/{mine.display_id}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes(mine)
    assert learner_client.get(f"/certificates/{theirs.display_id}/download/").status_code == 404


def test_a_revoked_certificate_offers_no_linkedin_link(learner_client, learner, issue):
    issue(learner=learner, status=Certificate.Status.REVOKED)
    assert "linkedin.com" not in learner_client.get("/certificates/").content.decode()


# --- Staff -------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["revoke", "reinstate", "reissue"])
def test_instructors_cannot_change_certificates(instructor_client, action):
    certificate = CertificateFactory(
        status=Certificate.Status.REVOKED if action == "reinstate" else Certificate.Status.VALID
    )
    assert instructor_client.get("/certificates/manage/").status_code == 403
    response = instructor_client.post(
        f"/certificates/manage/{certificate.display_id}/{action}/",
        {"reason": "other", "note": "x", "reinstate-note": "x", "reissue-note": "x"},
    )
    assert response.status_code == 403
    assert not certificate.events.exists()
    assert Certificate.objects.count() == 1


def test_learners_cannot_reach_the_staff_pages(learner_client):
    certificate = CertificateFactory()
    assert learner_client.get("/certificates/manage/").status_code == 403
    response = learner_client.post(
        f"/certificates/manage/{certificate.display_id}/revoke/", {"reason": "other", "note": "x", "confirm": "on"}
    )
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID


def test_staff_search_by_name_email_and_id(staff_client):
    ada = CertificateFactory(learner=UserFactory(email="ada@example.org", certificate_name="Ada Lovelace"))
    grace = CertificateFactory(learner=UserFactory(email="grace@example.org", certificate_name="Grace Hopper"))

    def found(query):
        return list(staff_client.get("/certificates/manage/", {"q": query}).context["page"].object_list)

    assert found("lovelace") == [ada]
    assert found("grace@example") == [grace]
    assert found(grace.display_id.lower()) == [grace]
    assert found(ada.credential_id[:6]) == [ada]
    assert set(found("")) == {ada, grace}


def test_staff_list_is_paginated(staff_client):
    CertificateFactory.create_batch(27)
    first = staff_client.get("/certificates/manage/")
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert len(staff_client.get("/certificates/manage/", {"page": 2}).context["page"].object_list) == 2
    searched = staff_client.get("/certificates/manage/", {"q": "Learner"}).content.decode()
    assert 'href="?q=Learner&amp;page=2" rel="next"' in searched


def test_staff_list_shows_the_current_status_of_an_expired_certificate(staff_client):
    from tests.certificates.helpers import days_ago

    CertificateFactory(issued_at=days_ago(800), expires_at=days_ago(70))
    page = staff_client.get("/certificates/manage/").content.decode()
    assert "<td>Expired</td>" in page and "<td>Valid</td>" not in page


def test_the_staff_list_makes_the_same_queries_for_one_or_many_rows(staff_client):
    CertificateFactory(superseded_by=CertificateFactory(), status=Certificate.Status.SUPERSEDED)
    one = queries_for(staff_client, "/certificates/manage/")
    CertificateFactory.create_batch(10)
    assert queries_for(staff_client, "/certificates/manage/") == one


def test_staff_revoke_and_reinstate_are_audited(staff_client, staff_member, client):
    certificate = CertificateFactory()
    url = f"/certificates/manage/{certificate.display_id}"
    response = staff_client.post(
        f"{url}/revoke/", {"reason": "academic_misconduct", "note": "Shared exam answers", "confirm": "on"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == "academic_misconduct"
    event = certificate.events.get(kind=CertificateEvent.Kind.REVOKED)
    assert event.actor == staff_member and "Shared exam answers" in event.note
    public = client.get(f"/verify/{certificate.display_id}/").content.decode()
    assert "Academic misconduct" in public and "Shared exam answers" not in public

    staff_client.post(f"{url}/reinstate/", {"reinstate-note": "Appeal upheld"})
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID and certificate.revocation_reason == ""
    assert certificate.events.get(kind=CertificateEvent.Kind.REINSTATED).note == "Appeal upheld"
    detail = staff_client.get(f"{url}/").content.decode()
    assert "Revoked" in detail and "Reinstated" in detail


@pytest.mark.parametrize(
    ("status", "action", "form"),
    [
        (Certificate.Status.VALID, "revoke", {"reason": "other", "note": "mine", "confirm": "on"}),
        (Certificate.Status.REVOKED, "reinstate", {"reinstate-note": "Appeal upheld"}),
        (Certificate.Status.VALID, "reissue", {"reissue-note": "New name", "reissue-confirm": "on"}),
    ],
)
def test_staff_cannot_change_their_own_certificate_and_the_refusal_is_audited(
    staff_client, staff_member, status, action, form
):
    from accounts.models import AccountEvent

    own = CertificateFactory(learner=staff_member, status=status)
    response = staff_client.post(f"/certificates/manage/{own.display_id}/{action}/", form, follow=True)
    assert "This is your own certificate" in response.content.decode()
    own.refresh_from_db()
    assert own.status == status and not own.events.exists()
    refusal = AccountEvent.objects.get(kind=AccountEvent.Kind.OWN_RECORD_REFUSED, actor=staff_member)
    assert refusal.detail["record"] == "certificate"


def test_the_own_certificate_refusal_names_staff_and_reads_whole_in_japanese(staff_client, staff_member):
    # Certificates are managed by staff, not instructors; and the record and action are part of
    # the translated sentence, never English words put into a Japanese one.
    own = CertificateFactory(learner=staff_member, status=Certificate.Status.VALID)
    form = {"reason": "other", "note": "mine", "confirm": "on"}
    english = staff_client.post(f"/certificates/manage/{own.display_id}/revoke/", form, follow=True)
    assert "another member of staff has to revoke it" in english.content.decode()
    staff_client.cookies["django_language"] = "ja"
    japanese = staff_client.post(f"/certificates/manage/{own.display_id}/revoke/", form, follow=True).content.decode()
    assert "これはご自身の修了証です。失効の処理は別のスタッフが行う必要があります。" in japanese
    assert "has to revoke" not in japanese and "この拒否は監査ログに記録されます。" in japanese


def test_revoking_needs_a_reason_and_a_note(staff_client):
    certificate = CertificateFactory()
    response = staff_client.post(f"/certificates/manage/{certificate.display_id}/revoke/", {"reason": "other"})
    assert response.status_code == 400
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert not certificate.events.exists()


def test_revoking_twice_is_refused_with_a_message(staff_client):
    certificate = CertificateFactory(status=Certificate.Status.REVOKED)
    response = staff_client.post(
        f"/certificates/manage/{certificate.display_id}/revoke/",
        {"reason": "other", "note": "again", "confirm": "on"},
        follow=True,
    )
    assert "Only a current certificate can be revoked." in response.content.decode()
    assert not certificate.events.exists()


def test_staff_reissue_supersedes_the_certificate(staff_client, django_capture_on_commit_callbacks):
    certificate = CertificateFactory()
    with django_capture_on_commit_callbacks() as enqueued:
        staff_client.post(
            f"/certificates/manage/{certificate.display_id}/reissue/",
            {"reissue-note": "Reprint", "reissue-confirm": "on"},
        )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED
    assert certificate.superseded_by.holder_name == certificate.learner.certificate_name
    assert len(enqueued) == 1
