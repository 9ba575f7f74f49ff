from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    name = "playground"
    verbose_name = "Lesson playground"

    def ready(self) -> None:
        from accounts.api import personal_data_provider_connect

        from . import selectors

        personal_data_provider_connect(selectors.personal_data_sections, dispatch_uid="playground.personal_data")
