import datetime

from django.db import transaction

from accounts.api import AffectedCredential
from certificates import api as certificates_api

from .models import CertificateProfile


class NotYourCertificate(ValueError):
    pass


def certificate_profile_set(*, user_id: int, credential_id: str, public: bool) -> CertificateProfile:
    """Turns the public profile page of one of the learner's own certificates on or off."""
    summary = certificates_api.certificate_summary(credential_id=credential_id)
    if summary is None or summary.learner_id != user_id:
        raise NotYourCertificate("No certificate of yours has this ID.")
    with transaction.atomic():
        profile, _ = CertificateProfile.objects.update_or_create(
            credential_id=summary.credential_id, defaults={"learner_id": user_id, "is_public": public}
        )
    return profile


def certificate_profiles_erase(*, user_id: int, now: datetime.datetime) -> list[AffectedCredential]:
    """The learner is closing their account: their public profile pages go. Withdraws no
    credential itself (certificates does), so returns an empty list."""
    CertificateProfile.objects.filter(learner_id=user_id).delete()
    return []
