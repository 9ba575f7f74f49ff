from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assessments.demos.calibration import presenters, services
from assessments.grading.judge import JUDGE_PROMPT_VERSION
from assessments.models import JudgeConfiguration


class Command(BaseCommand):
    help = (
        "Stage a judge configuration (model and prompt version; the rubrics as synced) and run it on every "
        "calibration example: it goes live only when its kappa reaches CALIBRATION_MIN_KAPPA on every task and "
        "it passes no labelled attack. Without --here the run is queued for the Celery worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", default=settings.JUDGE_MODEL, help="the judge model (default: JUDGE_MODEL)")
        parser.add_argument("--prompt-version", default=JUDGE_PROMPT_VERSION, help="the judge prompt version")
        parser.add_argument("--here", action="store_true", help="run the judge in this process and print the report")

    def handle(self, *args, **options):
        try:
            configuration = services.judge_configuration_stage(
                model=options["model"], prompt_version=options["prompt_version"]
            )
        except services.CalibrationRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Staged configuration {configuration.pk}: {configuration}")
        if not options["here"]:
            self.stdout.write("Queued: the worker runs it on the calibration set.")
            return
        status = services.judge_configuration_run(configuration_id=configuration.pk)
        configuration.refresh_from_db()
        for slug, report in configuration.result.get("tasks", {}).items():
            self.stdout.write(
                f"{slug}: kappa {report['kappa']:.2f}, agreement {report['agreement']:.0%}, "
                f"false passes {report['false_pass']} (on attacks {report['attack_false_pass']}), "
                f"false fails {report['false_fail']}"
            )
        for reason in configuration.result.get("reasons", []):
            self.stdout.write(f"held: {presenters.reason_text(reason)}")
        if status != JudgeConfiguration.Status.LIVE:
            raise CommandError(f"configuration {configuration.pk} is {status}, not live")
        self.stdout.write(self.style.SUCCESS(f"Configuration {configuration.pk} is live."))
