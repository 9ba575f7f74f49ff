from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        from accounts.api import personal_data_provider_connect

        from . import selectors
        from .content import lessons, registry

        registry.register(lessons.LessonSection())
        personal_data_provider_connect(selectors.personal_data_sections, dispatch_uid="courses.personal_data")
