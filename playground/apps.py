from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    name = "playground"
    verbose_name = "Lesson playground"

    def ready(self) -> None:
        from accounts.api import account_eraser_connect, personal_data_provider_connect

        from . import selectors, services

        personal_data_provider_connect(selectors.personal_data_sections, dispatch_uid="playground.personal_data")
        account_eraser_connect(services.playground_runs_erase, dispatch_uid="playground.close_account")
