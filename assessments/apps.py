from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from courses.api import register_content_section

        from .exams import content, tasks  # noqa: F401 - importing registers the Celery tasks

        register_content_section(content.ExamBankSection())
