from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.modelapi.freshness import model_freshness_check_run


class Command(BaseCommand):
    help = (
        "Compare the model names each course uses with GET /v1/models (the simulator in test mode): "
        "report names no longer listed, listed only as an alias, or with a newer sibling."
    )

    def handle(self, *args, **options):
        record = model_freshness_check_run(now=timezone.now())
        where = f"{record.base_url}{' (test mode)' if record.test_mode else ''}"
        if record.error:
            raise CommandError(f"could not list models at {where}: {record.error}")
        self.stdout.write(f"{len(record.listed)} model(s) listed at {where}")
        if not record.findings:
            self.stdout.write("Every model the courses name is listed and current.")
        for finding in record.findings:
            self.stdout.write(f"{finding['course']}: {finding['model']}: {finding['problem']}: {finding['detail']}")
