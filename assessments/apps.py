from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from accounts.api import personal_data_provider_connect
        from courses.api import register_content_section, register_version_manifest

        # The `tasks` imports below register their modules with the Celery app.
        from .demos import selectors as demo_selectors
        from .demos import tasks as demo_tasks  # noqa: F401
        from .demos.calibration import tasks as calibration_tasks  # noqa: F401
        from .demos.content import DemoSection
        from .exams import content
        from .exams import selectors as exam_selectors
        from .exams import tasks as exam_tasks  # noqa: F401
        from .manifest import demos_manifest, questions_manifest
        from .modelapi import tasks as model_tasks  # noqa: F401

        register_content_section(content.ExamBankSection())
        register_content_section(DemoSection())
        register_version_manifest("questions", questions_manifest)
        register_version_manifest("demos", demos_manifest)
        personal_data_provider_connect(
            exam_selectors.personal_data_sections, dispatch_uid="assessments.exams.personal_data"
        )
        personal_data_provider_connect(
            demo_selectors.personal_data_sections, dispatch_uid="assessments.demos.personal_data"
        )
