from accounts.api import PersonalDataSection
from certificates import api as certificates_api

from .models import CertificateProfile


def certificate_profile_public(*, credential_id: str) -> certificates_api.CertificateSummary | None:
    """The certificate behind a public profile page, or None when the learner has not turned it on."""
    summary = certificates_api.certificate_summary(credential_id=credential_id)
    if summary is None or summary.test_mode:
        return None
    visible = CertificateProfile.objects.filter(
        credential_id=summary.credential_id, learner_id=summary.learner_id, is_public=True
    ).exists()
    return summary if visible else None


def certificate_profile_is_public(*, credential_id: str) -> bool:
    summary = certificates_api.certificate_summary(credential_id=credential_id)
    return bool(
        summary and CertificateProfile.objects.filter(credential_id=summary.credential_id, is_public=True).exists()
    )


def personal_data_sections(*, user_id: int) -> list[PersonalDataSection]:
    """Which of the learner's certificates they chose to show on a public page, for their data export."""
    profiles = CertificateProfile.objects.filter(learner_id=user_id).order_by("id")
    return [
        PersonalDataSection(
            key="public_profiles",
            about="Your choices to show a certificate on a public profile page.",
            records=tuple(
                {"credential_id": profile.credential_id, "public": profile.is_public, "updated_at": profile.updated_at}
                for profile in profiles
            ),
        )
    ]
