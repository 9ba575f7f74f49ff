"""The verification log keeps one row per employer's look for CERT_VERIFICATION_LOG_DAYS, then a
daily task folds older rows into per-channel tallies: the table stays small and the holder's
count stays whole."""

import datetime

import pytest
from django.db import connection

from certificates import services
from certificates.models import Verification, VerificationTally
from tests.certificates.factories import CertificateFactory
from tests.concurrency import all_at_once
from tests.requirements import require_postgresql

NOW = datetime.datetime(2030, 6, 1, 12, tzinfo=datetime.UTC)


def looks(certificate, *, channel: str, days_ago: float, count: int = 1) -> None:
    rows = Verification.objects.bulk_create(
        [Verification(certificate=certificate, channel=channel) for _ in range(count)]
    )
    Verification.objects.filter(pk__in=[row.pk for row in rows]).update(
        created_at=NOW - datetime.timedelta(days=days_ago)
    )


def tallies(certificate) -> dict[str, int]:
    return dict(VerificationTally.objects.filter(certificate=certificate).values_list("channel", "count"))


def shown_count(client, certificate) -> str:
    client.force_login(certificate.learner)
    page = client.get("/certificates/").content.decode()
    return page.split('class="cert-verified-count">', 1)[1].split("</dd>", 1)[0].strip()


@pytest.mark.django_db
def test_old_looks_are_folded_into_tallies_and_the_holder_still_sees_them_all(client, settings):
    settings.CERT_VERIFICATION_LOG_DAYS = 90
    certificate, other = CertificateFactory(), CertificateFactory()
    looks(certificate, channel="page", days_ago=200, count=3)
    looks(certificate, channel="api", days_ago=91)
    looks(certificate, channel="page", days_ago=89)  # inside the log's window: kept as it is
    looks(other, channel="upload", days_ago=120, count=2)
    assert shown_count(client, certificate) == "Verified 5 times by employers"

    assert services.verifications_roll_up(now=NOW) == 6

    assert tallies(certificate) == {"page": 3, "api": 1} and tallies(other) == {"upload": 2}
    assert list(Verification.objects.values_list("certificate", "channel")) == [(certificate.pk, "page")]
    assert shown_count(client, certificate) == "Verified 5 times by employers"
    assert shown_count(client, other) == "Verified 2 times by employers"


@pytest.mark.django_db
def test_a_second_run_adds_nothing_and_a_later_one_adds_to_the_tally(settings):
    settings.CERT_VERIFICATION_LOG_DAYS = 30
    certificate = CertificateFactory()
    looks(certificate, channel="bulk", days_ago=40, count=2)
    assert services.verifications_roll_up(now=NOW) == 2
    assert services.verifications_roll_up(now=NOW) == 0
    assert tallies(certificate) == {"bulk": 2}

    looks(certificate, channel="bulk", days_ago=31)
    assert services.verifications_roll_up(now=NOW) == 1
    assert tallies(certificate) == {"bulk": 3}
    assert not Verification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_runs_racing_each_other_count_every_look_exactly_once(settings):
    require_postgresql(connection.vendor, "the row locks under test are PostgreSQL's; SQLite serialises writers itself")
    settings.CERT_VERIFICATION_LOG_DAYS = 30
    certificates = [CertificateFactory() for _ in range(3)]
    for number, certificate in enumerate(certificates, start=1):
        looks(certificate, channel="page", days_ago=60, count=10 * number)
        looks(certificate, channel="api", days_ago=45, count=number)

    folded = all_at_once(lambda: services.verifications_roll_up(now=NOW), threads=4)

    assert all(isinstance(count, int) for count in folded), folded
    assert sum(folded) == 66
    for number, certificate in enumerate(certificates, start=1):
        assert tallies(certificate) == {"page": 10 * number, "api": number}
    assert not Verification.objects.exists()


def test_the_roll_up_is_scheduled_daily_on_the_default_queue(settings):
    from celery import current_app

    schedule = settings.CELERY_BEAT_SCHEDULE["certificate-verification-roll-up"]
    assert schedule["task"] == "certificates.tasks.verifications_roll_up"
    assert schedule["schedule"] == 24 * 3600
    assert current_app.amqp.router.route({}, schedule["task"])["queue"].name == "default"
