"""What other apps may call in `certificates`."""

from dataclasses import dataclass

from . import services


@dataclass(frozen=True)
class ReissuedCertificate:
    credential_id: str
    course_title: str


def certificate_reissue_for_name_change(*, user_id: int) -> list[ReissuedCertificate]:
    """Call after the learner's name on certificates changed (inside or outside a
    transaction): current certificates with the old name are superseded by new ones,
    rendered and signed by the worker once the change commits."""
    return [
        ReissuedCertificate(credential_id=certificate.display_id, course_title=certificate.course_title)
        for certificate in services.certificate_reissue_for_name_change(user_id=user_id)
    ]


def certificate_count_valid(*, course_id: int) -> int:
    """Learners holding a valid certificate for the course (the last step of the cohort funnel)."""
    from .models import Certificate

    return (
        Certificate.objects.filter(course_id=course_id, status=Certificate.Status.VALID)
        .values("learner_id")
        .distinct()
        .count()
    )
