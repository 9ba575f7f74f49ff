from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from courses.api import register_content_section

        from .demos import tasks  # noqa: F401 - registers the demo Celery tasks with the app
        from .demos.content import DemoSection

        register_content_section(DemoSection())
