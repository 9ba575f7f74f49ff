import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import AccountEvent, Role, User
from .names import certificate_name_validate
from .signals import (
    AffectedCredential,
    account_closing,
    affected_credentials,
    certificate_name_change_previewed,
    certificate_name_changed,
    personal_data_answered,
    personal_data_requested,
)

# A name change that re-issues certificates signs new PDFs and changes their ids: one a day
# is enough to fix a typo and too few to flood the verifiers with superseded credentials.
CERTIFICATE_NAME_REISSUE_INTERVAL = datetime.timedelta(hours=24)


class AccountClosureRefused(Exception):
    """The account cannot be closed here; the message says why and what to do."""


class CertificateNameChangeRefused(Exception):
    """The change would re-issue certificates again too soon; the message says when it can."""


def user_set_role(*, user: User, role: Role) -> User:
    """Staff get Django's admin flag; the admin itself still demands MFA."""
    user.role = role
    user.is_staff = role == Role.STAFF
    user.save(update_fields=["role", "is_staff"])
    return user


def user_set_preferred_language(*, user: User, language: str) -> None:
    """Remember the interface language the person chose; `language` is one of LANGUAGES."""
    if user.preferred_language == language:
        return
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def user_update_certificate_name(*, user: User, certificate_name: str, now: datetime.datetime) -> list[str]:
    """Keep the name exactly as typed (apart from surrounding white space) and re-issue
    the learner's current certificates under it; the old ones stay verifiable as superseded.

    Raises ValidationError for a name that cannot be printed, and CertificateNameChangeRefused
    when certificates were re-issued for a name change less than a day before; both leave
    everything as it was, and a refusal is audit-logged. Returns the titles of the courses
    whose certificates are being re-issued.
    """
    name = certificate_name.strip()
    certificate_name_validate(name)
    try:
        with transaction.atomic():
            # The row lock makes concurrent changes of one learner take turns, so two cannot
            # both find no re-issue in the last day.
            locked = User.objects.select_for_update().get(pk=user.pk)
            previous = locked.certificate_name
            if name == previous:
                return []
            locked.certificate_name = name
            locked.save(update_fields=["certificate_name"])
            reissued = affected_credentials(certificate_name_changed.send(sender=User, user_id=user.pk))
            if reissued:
                _refuse_reissue_too_soon(user_id=user.pk, now=now)
            AccountEvent.objects.create(
                kind=AccountEvent.Kind.CERTIFICATE_NAME_REISSUED
                if reissued
                else AccountEvent.Kind.CERTIFICATE_NAME_CHANGED,
                user_id=user.pk,
                actor_id=user.pk,
                detail={"from": previous, "to": name, "reissued": [c.credential_id for c in reissued]},
                at=now,
            )
    except CertificateNameChangeRefused as refused:
        # Written after the rollback of the change, so the refusal stays in the log.
        AccountEvent.objects.create(
            kind=AccountEvent.Kind.CERTIFICATE_NAME_REFUSED,
            user_id=user.pk,
            actor_id=user.pk,
            detail={"from": previous, "to": name, "reason": str(refused)},
            at=now,
        )
        raise
    user.certificate_name = name
    return [certificate.course_title for certificate in reissued]


def _refuse_reissue_too_soon(*, user_id: int, now: datetime.datetime) -> None:
    last = (
        AccountEvent.objects.filter(
            user_id=user_id,
            kind=AccountEvent.Kind.CERTIFICATE_NAME_REISSUED,
            at__gt=now - CERTIFICATE_NAME_REISSUE_INTERVAL,
        )
        .order_by("-at")
        .first()
    )
    if last is not None:
        allowed_from = last.at + CERTIFICATE_NAME_REISSUE_INTERVAL
        when = dateformat.format(allowed_from, pgettext("date and time format", "j F Y, H:i"))
        raise CertificateNameChangeRefused(
            _(
                "Your certificates were re-issued for a name change less than a day ago. The next change that "
                "re-issues them is possible from %(when)s UTC; if the name printed now is wrong, ask staff to "
                "re-issue the certificate."
            )
            % {"when": when}
        )


def certificate_name_change_preview(*, user_id: int, now: datetime.datetime) -> list[AffectedCredential]:
    """The credentials a change of the learner's name would re-issue under new ids (changes nothing)."""
    return affected_credentials(certificate_name_change_previewed.send(sender=User, user_id=user_id, now=now))


PERSONAL_DATA_FORMAT = "grok4-certification personal data export, version 1"


def personal_data_export(*, user: User, now: datetime.datetime) -> dict[str, object]:
    """Everything the platform holds about `user`, as one JSON-ready document: the account
    here, then each feature app's part (`personal_data_requested`). Records the download in
    the account's audit log."""
    sections = personal_data_answered(personal_data_requested.send(sender=User, user_id=user.pk))
    AccountEvent.objects.create(kind=AccountEvent.Kind.PERSONAL_DATA_EXPORTED, user=user, actor=user, at=now)
    account = {
        "email": user.email,
        "name_on_certificates": user.certificate_name,
        "preferred_language": user.preferred_language,
        "role": user.role,
        "joined_at": user.date_joined,
        "last_sign_in_at": user.last_login,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("id")
        ],
    }
    events = [
        {"kind": event.kind, "at": event.at, "by_you": event.actor_id == user.pk, "detail": event.detail}
        for event in AccountEvent.objects.filter(user=user)
    ]
    return {
        "format": PERSONAL_DATA_FORMAT,
        "site": settings.SITE_URL,
        "exported_at": now,
        "account": {"about": "Your account and its sign-in addresses.", "record": account},
        "account_events": {"about": "The account's audit log, this download included.", "records": events},
        **{section.key: {"about": section.about, "records": list(section.records)} for section in sections},
    }


def closed_account_address(user_id: int) -> str:
    """What a closed account's unique e-mail field holds: nobody's address, and one that no mail
    can reach (.invalid is reserved for that), so that the person can sign up again with theirs."""
    return f"closed-account-{user_id}@closed.invalid"


def account_close(*, user: User, actor: User, now: datetime.datetime) -> list[AffectedCredential]:
    """Closes the account, by its owner or, at their request, by a member of staff (`actor`),
    and erases what names the person: e-mail addresses, names, password, second factors and
    the details of their audit log; each feature app erases its part (`account_closing`),
    withdrawing the certificates. The row stays as an anonymous anchor for the records and
    audit trails that point at it, and the closing is logged on it.

    Raises AccountClosureRefused, changing nothing, for an instructor or staff account (their
    decisions are on other people's records). Returns the credentials withdrawn."""
    if user.is_instructor or user.is_staff:
        raise AccountClosureRefused(
            _(
                "Accounts with the instructor or staff role cannot be closed here, because other people's "
                "records name them. Ask a member of staff to change your role to learner first."
            )
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.closed_at is not None:
            return []
        withdrawn = affected_credentials(account_closing.send(sender=User, user_id=user.pk, now=now))
        AccountEvent.objects.filter(user_id=user.pk).update(detail={})
        EmailAddress.objects.filter(user_id=user.pk).delete()
        Authenticator.objects.filter(user_id=user.pk).delete()
        locked.email = closed_account_address(user.pk)
        locked.first_name = locked.last_name = locked.certificate_name = locked.preferred_language = ""
        # A new password hash also ends every session the person still has (Django checks it).
        locked.set_unusable_password()
        locked.is_active = False
        locked.closed_at = now
        locked.save()
        AccountEvent.objects.create(
            kind=AccountEvent.Kind.ACCOUNT_CLOSED,
            user=locked,
            actor=actor,
            detail={"certificates_withdrawn": [credential.credential_id for credential in withdrawn]},
            at=now,
        )
    return withdrawn
