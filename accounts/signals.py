"""Events the accounts app sends, so that feature apps can react without accounts knowing them."""

from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class AffectedCredential:
    """A credential printed with the learner's name: what receivers of the signals below return."""

    credential_id: str
    course_title: str


# Sent inside the transaction that changes a learner's name on certificates, with the keyword
# argument user_id. Each receiver re-issues what carries the old name and returns the
# AffectedCredentials it re-issued.
certificate_name_changed = Signal()

# Sent to show, before a change, what a new name would re-issue; keyword arguments user_id and
# now. Each receiver returns AffectedCredentials and changes nothing.
certificate_name_change_previewed = Signal()


def affected_credentials(responses) -> list[AffectedCredential]:
    """Every credential the receivers of one of the signals above returned."""
    return [credential for _receiver, credentials in responses for credential in credentials or ()]
