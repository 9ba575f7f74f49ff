"""Names on certificates: what they may contain, how long they may be, how often they re-issue."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from accounts.models import AccountEvent
from accounts.names import CERTIFICATE_NAME_MAX_LENGTH
from accounts.services import CertificateNameChangeRefused, user_update_certificate_name
from certificates.models import Certificate
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CertificateFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)

INVISIBLE = [
    "Alice \u202eecilA",  # right-to-left override: prints as "Alice Alice"
    "Alice \u2067ecilA\u2069",  # right-to-left isolate
    "\u200bAlice",  # zero-width space
    "Al\u200bice",
    "Ali\u200dce",  # a joiner between Latin letters only hides a difference
    "Alice\u00ad",  # soft hyphen
    "Alice\u200f",  # right-to-left mark
    "Alice\ufeff",  # zero-width no-break space
    "Alice\x07",
    "Alice\u2028Smith",  # line separator
    "Alice\ue000",  # private use
    "Alice\U000e0041",  # tag character
]


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_and_control_characters_are_refused_with_a_message(learner_client, learner, name):
    before = learner.certificate_name
    response = learner_client.post(reverse("profile"), {"certificate_name": name})
    assert response.status_code == 200
    assert "invisible or control character" in response.content.decode()
    learner.refresh_from_db()
    assert learner.certificate_name == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Alice 🎓", "is not allowed"),
        ("Alice <3", "is not allowed"),
        ("\u0301Alice", "must follow a letter"),
        ("Zal" + "\u0301\u0300\u0302\u0303\u0304" + "go", "at most 4 can sit on one letter"),
        ("... --", "at least one letter"),
        ("W" * (CERTIFICATE_NAME_MAX_LENGTH + 1), f"At most {CERTIFICATE_NAME_MAX_LENGTH} characters fit"),
    ],
)
def test_symbols_stray_marks_and_long_names_are_refused(learner_client, name, message):
    response = learner_client.post(reverse("profile"), {"certificate_name": name})
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "Anne-Marie O'Brien",
        "Youssou N’Dour",
        "Nguyễn Thị Minh Khai",
        "Jose\u0301 Nu\u0301n\u0303ez",  # decomposed accents
        "Martin Luther King, Jr.",
        "艾伦·图灵",
        "山田　太郎",  # ideographic space
        "علی\u200cاکبر",  # Persian: a zero-width non-joiner inside a name
        "ישראל ישראלי",
        "W" * CERTIFICATE_NAME_MAX_LENGTH,
    ],
)
def test_names_in_any_script_with_marks_hyphens_and_apostrophes_are_kept(learner_client, learner, name):
    response = learner_client.post(reverse("profile"), {"certificate_name": name})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.certificate_name == name


def test_the_service_refuses_an_unprintable_name_too(learner):
    with pytest.raises(ValidationError, match="invisible or control character"):
        user_update_certificate_name(user=learner, certificate_name="Alice \u202eecilA", now=T0)
    learner.refresh_from_db()
    assert "\u202e" not in learner.certificate_name


# --- re-issue limit ---------------------------------------------------------------------------


def _reissued_count(learner) -> int:
    return Certificate.objects.filter(learner=learner).count() - 1


def test_a_second_reissuing_name_change_within_a_day_is_refused_and_logged(learner):
    CertificateFactory(learner=learner)
    assert user_update_certificate_name(user=learner, certificate_name="Ada Lovelace", now=T0)
    with pytest.raises(CertificateNameChangeRefused, match="less than a day ago") as refused:
        user_update_certificate_name(user=learner, certificate_name="Ada King", now=T0 + datetime.timedelta(hours=23))
    assert "23 November 2026, 09:00 UTC" in str(refused.value)
    learner.refresh_from_db()
    assert learner.certificate_name == "Ada Lovelace"
    assert _reissued_count(learner) == 1
    kinds = list(AccountEvent.objects.filter(user=learner).values_list("kind", flat=True))
    assert kinds == [AccountEvent.Kind.CERTIFICATE_NAME_REISSUED, AccountEvent.Kind.CERTIFICATE_NAME_REFUSED]
    refusal = AccountEvent.objects.get(kind=AccountEvent.Kind.CERTIFICATE_NAME_REFUSED)
    assert refusal.detail["to"] == "Ada King" and refusal.actor == learner

    assert user_update_certificate_name(
        user=learner, certificate_name="Ada King", now=T0 + datetime.timedelta(hours=25)
    )
    assert _reissued_count(learner) == 2


def test_name_changes_without_certificates_are_not_limited(learner):
    for hour, name in enumerate(["Ada", "Ada L.", "Ada Lovelace"]):
        assert (
            user_update_certificate_name(user=learner, certificate_name=name, now=T0 + datetime.timedelta(hours=hour))
            == []
        )
    learner.refresh_from_db()
    assert learner.certificate_name == "Ada Lovelace"


def test_the_form_warns_that_the_id_changes_and_shows_the_refusal(learner_client, learner):
    certificate = CertificateFactory(learner=learner)
    page = learner_client.get(reverse("profile")).content.decode()
    assert "new credential ID" in page and certificate.display_id in page
    assert learner_client.post(reverse("profile"), {"certificate_name": "Ada Lovelace"}).status_code == 302
    refused = learner_client.post(reverse("profile"), {"certificate_name": "Ada King"})
    assert "less than a day ago" in refused.content.decode()
    learner.refresh_from_db()
    assert learner.certificate_name == "Ada Lovelace"


@pytest.mark.django_db(transaction=True)
def test_concurrent_name_changes_reissue_once():
    learner = UserFactory(certificate_name="Ada")
    CertificateFactory(learner=learner)
    outcomes: list[str] = []
    start = threading.Barrier(15)

    def change(n: int) -> None:
        try:
            start.wait()
            user_update_certificate_name(user=learner, certificate_name=f"Ada {n}", now=T0)
            outcomes.append("changed")
        except CertificateNameChangeRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(n,)) for n in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["changed"] + ["refused"] * 14
    assert _reissued_count(learner) == 1
    assert AccountEvent.objects.filter(kind=AccountEvent.Kind.CERTIFICATE_NAME_REFUSED).count() == 14
