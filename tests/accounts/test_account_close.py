"""A learner closes their own account: what names them is erased, their certificates are
withdrawn (employers see that, without the name), and their anonymous records stay."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountEvent, User
from accounts.services import AccountClosureRefused, account_close
from assessments.models import Attempt, Submission
from certificates import services as certificate_services
from certificates.models import Certificate, CertificateEvent
from playground import services as playground_services
from playground.models import PlaygroundRun
from sharing.models import CertificateProfile
from tests.accounts.factories import InstructorFactory, StaffFactory, UserFactory
from tests.accounts.test_personal_data import course, records_of  # noqa: F401  (a fixture used below)
from tests.certificates.conftest import signing_issuer  # noqa: F401  (the PDF is signed for real)
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import upload

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
PASSWORD = "correct-horse-battery"


def closing_learner(course_and_lesson):
    """A learner with one record of each kind (its certificate signed for real, so with a PDF),
    an older certificate of theirs that a re-issue superseded, and a name change in their log."""
    the_course, lesson = course_and_lesson
    person = UserFactory(certificate_name="Ada Lovelace")
    records_of(person, the_course, lesson, prompt="MINE")
    certificate = certificate_services.certificate_render_and_sign(
        certificate_id=Certificate.objects.get(learner=person).pk
    )
    CertificateFactory(
        learner=person,
        course=the_course,
        course_version="1",
        holder_name="Ada L.",
        status=Certificate.Status.SUPERSEDED,
    )
    AccountEvent.objects.create(
        kind=AccountEvent.Kind.CERTIFICATE_NAME_CHANGED,
        user=person,
        actor=person,
        detail={"from": "Ada L.", "to": "Ada Lovelace"},
        at=NOW,
    )
    return person, certificate


def test_closing_erases_what_names_the_person_and_withdraws_their_certificates(
    course,  # noqa: F811
    signing_issuer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    person, certificate = closing_learner(course)
    other, _ = closing_learner(course)
    pdf_name, pdf_sha256 = certificate.pdf.name, certificate.pdf_sha256
    assert default_storage.exists(pdf_name)

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = account_close(user=person, actor=person, now=NOW)

    assert [credential.credential_id for credential in withdrawn] == [certificate.display_id]
    person.refresh_from_db()
    assert person.email.endswith("@closed.invalid") and person.username == person.email
    assert (person.certificate_name, person.first_name, person.last_name) == ("", "", "")
    assert not person.is_active and not person.has_usable_password() and person.closed_at == NOW
    assert person.display_name == "Closed account"  # what instructors' pages show for them
    assert not EmailAddress.objects.filter(user=person).exists()
    events = AccountEvent.objects.filter(user=person)
    assert [event.detail for event in events.exclude(kind=AccountEvent.Kind.ACCOUNT_CLOSED)] == [{}]
    closed = events.get(kind=AccountEvent.Kind.ACCOUNT_CLOSED)
    assert closed.detail == {"certificates_withdrawn": [certificate.display_id]} and closed.actor == person

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == Certificate.RevocationReason.HOLDER_REQUEST
    assert (certificate.holder_name, certificate.badge_jwt, certificate.pdf.name) == ("", "", "")
    assert certificate.pdf_sha256 == pdf_sha256  # an uploaded copy is still recognised
    assert not default_storage.exists(pdf_name)
    assert certificate.events.filter(kind=CertificateEvent.Kind.REVOKED).count() == 1
    assert set(Certificate.objects.filter(learner=person).values_list("holder_name", flat=True)) == {""}

    assert not PlaygroundRun.objects.filter(user=person).exists()
    assert not CertificateProfile.objects.filter(learner=person).exists()
    # Graded work stays as anonymous records: the exam attempt and the demo run with its prompt.
    assert Attempt.objects.filter(user=person).count() == 1
    assert Submission.objects.get(learner=person).system_prompt == "MINE"

    # The other learner keeps everything.
    other.refresh_from_db()
    assert other.is_active and other.certificate_name == "Ada Lovelace"
    assert Certificate.objects.get(learner=other, status=Certificate.Status.VALID).holder_name == "MINE holder"
    assert PlaygroundRun.objects.filter(user=other).exists() and CertificateProfile.objects.filter(learner=other)

    assert account_close(user=person, actor=person, now=NOW + datetime.timedelta(days=1)) == []  # twice changes nothing
    assert AccountEvent.objects.filter(user=person, kind=AccountEvent.Kind.ACCOUNT_CLOSED).count() == 1


def test_employers_see_the_withdrawal_without_the_name(client, course, signing_issuer):  # noqa: F811
    person, certificate = closing_learner(course)
    with certificate.pdf.open("rb") as handle:
        copy = handle.read()
    badge = client.get(reverse("certificates:badge_png", args=[certificate.display_id])).content
    account_close(user=person, actor=person, now=NOW)

    page = client.get(reverse("certificates:verify_detail", args=[certificate.display_id])).content.decode()
    assert "Withdrawn at the holder&#x27;s request" in page and "Revoked" in page
    assert "Name removed at the holder's request" in page and "MINE holder" not in page
    assert reverse("certificates:badge_json", args=[certificate.display_id]) not in page
    assert client.get(reverse("certificates:badge_json", args=[certificate.display_id])).status_code == 404
    for file, name in ((copy, "certificate.pdf"), (badge, "badge.png")):
        uploaded = upload(client, file, name).content.decode()
        assert "Genuine file, but the certificate has been revoked" in uploaded, name
        assert "Name removed at the holder's request" in uploaded and "MINE holder" not in uploaded
    api = client.get(reverse("certificates:api_credential", args=[certificate.display_id])).json()
    assert api["status"] == "revoked" and api["holder_name"] == ""


def test_staff_cannot_reinstate_a_withdrawn_certificate_and_are_not_offered_to(
    staff_client,
    staff_member,
    course,  # noqa: F811
    signing_issuer,  # noqa: F811
):
    person, certificate = closing_learner(course)
    account_close(user=person, actor=person, now=NOW)
    page = staff_client.get(reverse("certificates:manage_detail", args=[certificate.display_id])).content.decode()
    assert "Reinstate" not in page and "Name removed at the holder's request" in page
    with pytest.raises(certificate_services.CertificateStateError, match="cannot be reinstated"):
        certificate_services.certificate_reinstate(certificate_id=certificate.pk, actor=staff_member, note="x")
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.REVOKED
    # Nor can staff pass a revocation of their own off as the holder's request.
    other = CertificateFactory()
    refused = staff_client.post(
        f"/certificates/manage/{other.display_id}/revoke/",
        {"reason": Certificate.RevocationReason.HOLDER_REQUEST, "note": "x", "confirm": "on"},
    )
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    assert Certificate.objects.get(pk=other.pk).status == Certificate.Status.VALID


def test_a_try_it_run_the_model_is_answering_while_its_learner_leaves_writes_nothing():
    person = UserFactory()
    run = PlaygroundRun.objects.create(user=person, lesson_path="/l/", prompt="mine", created_at=timezone.now())
    account_close(user=person, actor=person, now=NOW)
    assert playground_services.playground_run_execute(run_id=run.pk) is None
    assert not PlaygroundRun.objects.exists()


def test_an_instructor_is_refused_and_nothing_changes():
    instructor = InstructorFactory()
    with pytest.raises(AccountClosureRefused, match="change your role to learner"):
        account_close(user=instructor, actor=instructor, now=NOW)
    instructor.refresh_from_db()
    assert instructor.is_active and instructor.closed_at is None
    assert EmailAddress.objects.filter(user=instructor).exists()


def reauthenticated(client, person) -> None:
    """Signs in, then confirms the password as allauth asks before a sensitive change."""
    client.force_login(person)
    page = client.get(reverse("account_close"))
    assert page.status_code == 302 and reverse("account_reauthenticate") in page.url
    confirmed = client.post(page.url, {"password": PASSWORD})
    assert confirmed.status_code == 302


def test_the_page_lists_what_is_withdrawn_and_closing_signs_the_person_out(client, course, signing_issuer):  # noqa: F811
    person, certificate = closing_learner(course)
    email = person.email
    other_device = Client()
    other_device.force_login(person)
    reauthenticated(client, person)

    page = client.get(reverse("account_close"))
    assert page.status_code == 200
    body = page.content.decode()
    assert certificate.display_id in body and "Closing withdraws your certificate:" in body
    assert reverse("personal_data") in body

    wrong = client.post(reverse("account_close"), {"email": "someone@example.com"})
    assert wrong.status_code == 200 and "not the e-mail address of the account" in wrong.content.decode()
    assert User.objects.get(pk=person.pk).is_active

    closed = client.post(reverse("account_close"), {"email": email.upper()}, follow=True)
    assert closed.redirect_chain[-1][0] == reverse("courses:home")
    assert "Your account is closed" in closed.content.decode()
    assert client.get(reverse("profile")).status_code == 302  # signed out
    assert other_device.get(reverse("profile")).status_code == 302  # and everywhere else
    assert not client.login(email=email, password=PASSWORD)
    assert User.objects.get(pk=person.pk).closed_at is not None

    # The address is free again: the person can sign up anew, as a new learner.
    again = UserFactory(email=email)
    assert again.pk != person.pk and not again.certificates.exists()


def test_instructors_are_not_offered_the_page_and_are_refused_on_it(client):
    instructor = InstructorFactory()
    TOTP.activate(instructor, generate_totp_secret())
    reauthenticated(client, instructor)
    assert reverse("account_close") not in client.get(reverse("profile")).content.decode()
    refused = client.post(reverse("account_close"), {"email": instructor.email})
    assert refused.status_code == 200 and "change your role to learner" in refused.content.decode()
    assert User.objects.get(pk=instructor.pk).is_active
    client.force_login(UserFactory())
    assert reverse("account_close") in client.get(reverse("profile")).content.decode()


def test_staff_close_an_account_at_the_persons_request_in_the_admin(client, course, signing_issuer):  # noqa: F811
    person, certificate = closing_learner(course)
    instructor = InstructorFactory()
    staff = StaffFactory(is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "close_accounts", "_selected_action": [person.pk, instructor.pk]},
        follow=True,
    )
    body = response.content.decode()
    assert (
        "Closed 1 account(s)" in body
        and f"hold the instructor or staff role (change it first): {instructor.email}" in body
    )
    person.refresh_from_db()
    assert person.closed_at is not None and not person.is_active
    assert AccountEvent.objects.get(user=person, kind=AccountEvent.Kind.ACCOUNT_CLOSED).actor == staff
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.REVOKED
    assert User.objects.get(pk=instructor.pk).closed_at is None


def test_a_certificate_the_worker_has_not_signed_yet_is_never_printed_without_its_holder(signing_issuer):  # noqa: F811
    person = UserFactory(certificate_name="Ada Lovelace")
    pending = CertificateFactory(learner=person)  # issued; the worker renders and signs it later
    account_close(user=person, actor=person, now=NOW)
    certificate = certificate_services.certificate_render_and_sign(certificate_id=pending.pk)
    assert (certificate.pdf.name, certificate.pdf_sha256, certificate.badge_jwt) == ("", "", "")
    assert not certificate.events.filter(kind=CertificateEvent.Kind.PDF_SIGNED).exists()
