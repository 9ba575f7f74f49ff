"""Events the accounts app sends, so that feature apps can react without accounts knowing them."""

from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class PersonalDataSection:
    """One part of a person's data export: what receivers of `personal_data_requested` return.

    `key` names the part in the exported file, `about` says in a sentence what its records are,
    and each record is an object of values DjangoJSONEncoder writes (text, numbers, booleans,
    None, lists, dicts, datetimes, decimals, UUIDs)."""

    key: str
    about: str
    records: tuple[Mapping[str, object], ...]


# Sent to build a person's data export, with the keyword argument user_id. Each receiver
# returns the PersonalDataSections its app holds about that person and changes nothing.
personal_data_requested = Signal()


def personal_data_provider_connect(provider: Callable[..., list[PersonalDataSection]], *, dispatch_uid: str) -> None:
    """Answers `personal_data_requested` with a feature app's reader, `provider(user_id=...)`."""

    def receiver(sender, *, user_id: int, **kwargs) -> list[PersonalDataSection]:
        return provider(user_id=user_id)

    # Held strongly: the closure has no other reference that would keep it alive.
    personal_data_requested.connect(receiver, weak=False, dispatch_uid=dispatch_uid)


# Sent inside the transaction that closes a person's account, with the keyword arguments user_id
# and now. Each receiver erases what its app holds that names the person or carries their own
# words, keeps anonymous records that other people's records or the audit trails point at, and
# deletes files only once the transaction commits. Each returns the AffectedCredentials it withdrew.
account_closing = Signal()


def account_eraser_connect(eraser: Callable[..., list[AffectedCredential]], *, dispatch_uid: str) -> None:
    """Answers `account_closing` with a feature app's writer, `eraser(user_id=..., now=...)`."""

    def receiver(sender, *, user_id: int, now, **kwargs) -> list[AffectedCredential]:
        return eraser(user_id=user_id, now=now)

    account_closing.connect(receiver, weak=False, dispatch_uid=dispatch_uid)


def affected_credentials(responses) -> list[AffectedCredential]:
    """Every credential the receivers of one of the signals above returned."""
    return [credential for _receiver, credentials in responses for credential in credentials or ()]


def personal_data_answered(responses) -> list[PersonalDataSection]:
    """Every section the receivers of `personal_data_requested` returned, ordered by key."""
    sections = [section for _receiver, answered in responses for section in answered or ()]
    return sorted(sections, key=lambda section: section.key)
