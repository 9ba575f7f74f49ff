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
