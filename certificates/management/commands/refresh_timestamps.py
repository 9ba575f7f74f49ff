import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from certificates import selectors, services


class Command(BaseCommand):
    help = (
        "Adds a fresh document timestamp to every timestamped certificate PDF whose newest timestamp's TSA "
        "certificate expires within CERT_TIMESTAMP_RENEW_DAYS (the PAdES B-LTA archive loop). Run it from cron, "
        "e.g. monthly; running it again changes nothing until the next renewal is due."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--within-days",
            type=int,
            default=settings.CERT_TIMESTAMP_RENEW_DAYS,
            help="Renew when the TSA certificate expires within this many days (default %(default)s).",
        )

    def handle(self, *args, within_days: int, **options):
        renew_before = timezone.now() + datetime.timedelta(days=within_days)
        renewed = checked = 0
        for certificate_id in selectors.certificate_ids_signed():
            checked += 1
            renewed += services.certificate_timestamp_refresh(certificate_id=certificate_id, renew_before=renew_before)
        self.stdout.write(self.style.SUCCESS(f"Checked {checked} certificates; renewed {renewed} timestamps."))
