from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.content.errors import ContentValidationError
from courses.content.sync import content_sync


class Command(BaseCommand):
    help = "Validate content/ and upsert it into the database in one transaction."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(settings.CONTENT_DIR),
            help="the content root or one course folder (default: CONTENT_DIR)",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and report changes; write nothing")

    def handle(self, *args, path: str, dry_run: bool, **options):
        root = Path(path)
        if not root.is_dir():
            raise CommandError(f"{root}: not a folder")
        try:
            result = content_sync(root=root, dry_run=dry_run)
        except ContentValidationError as exc:
            for problem in exc.problems:
                self.stderr.write(f"error: {problem}")
            raise CommandError(f"{len(exc.problems)} problem(s) in {root}; nothing was written.") from exc
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        for note in result.notes:
            self.stdout.write(note)
        prefix = "would be " if dry_run else ""
        if not result.changes:
            self.stdout.write("No changes.")
        for line in result.changes:
            self.stdout.write(f"{prefix}{line}")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
