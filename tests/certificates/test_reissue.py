import pytest

from certificates import api, services, tasks
from certificates.models import Certificate, CertificateEvent
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import days_ago, pdf_bytes, pdf_text

pytestmark = pytest.mark.django_db


def rename(learner, name):
    learner.certificate_name = name
    learner.save(update_fields=["certificate_name"])


def test_a_name_change_supersedes_and_reissues_with_the_new_name(issue, client, django_capture_on_commit_callbacks):
    old = issue(learner=UserFactory(certificate_name="Jose Nunez"))
    learner = old.learner
    rename(learner, "José Núñez")
    with django_capture_on_commit_callbacks() as enqueued:
        reissued = api.certificate_reissue_for_name_change(user_id=learner.pk)
    assert len(reissued) == 1 and len(enqueued) == 1  # the worker renders it after the commit
    old.refresh_from_db()
    new = Certificate.objects.get(credential_id=reissued[0].credential_id.replace("-", ""))
    assert not new.pdf_sha256
    tasks.certificate_finalize.apply(args=(new.pk,), throw=True)
    new.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED and old.superseded_by == new
    assert new.holder_name == "José Núñez"
    assert new.expires_at == old.expires_at  # a correction, not an extension
    assert "José Núñez" in pdf_text(pdf_bytes(new))
    assert old.events.filter(kind=CertificateEvent.Kind.SUPERSEDED, actor=learner).exists()
    assert new.events.filter(kind=CertificateEvent.Kind.REISSUED).exists()
    # The old one still answers, as superseded, and points to the new one.
    page = client.get(f"/verify/{old.display_id}/")
    assert page.status_code == 200
    assert page.context["status"] == "superseded"
    assert new.display_id in page.content.decode()
    assert client.get(f"/api/v1/credentials/{old.display_id}").json()["superseded_by"] == new.display_id


def test_an_unchanged_name_revoked_or_expired_certificates_are_not_reissued(db):
    learner = UserFactory(certificate_name="Ada Lovelace")
    current = CertificateFactory(learner=learner)
    CertificateFactory(learner=learner, holder_name="Old Name", status=Certificate.Status.REVOKED)
    CertificateFactory(learner=learner, holder_name="Old Name", issued_at=days_ago(800), expires_at=days_ago(10))
    assert api.certificate_reissue_for_name_change(user_id=learner.pk) == []
    current.refresh_from_db()
    assert current.status == Certificate.Status.VALID
    assert Certificate.objects.filter(learner=learner).count() == 3


def test_staff_reissue_needs_a_current_certificate(db, instructor):
    revoked = CertificateFactory(status=Certificate.Status.REVOKED)
    with pytest.raises(services.CertificateStateError):
        services.certificate_reissue(certificate_id=revoked.pk, actor=instructor, note="")
    current = CertificateFactory()
    replacement = services.certificate_reissue(certificate_id=current.pk, actor=instructor, note="Typo in PDF")
    assert replacement.credential_id != current.credential_id
    assert replacement.events.get().note == f"Replaces {current.display_id}. Typo in PDF"
