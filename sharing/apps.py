from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        from accounts.api import personal_data_provider_connect

        from . import selectors

        personal_data_provider_connect(selectors.personal_data_sections, dispatch_uid="sharing.personal_data")
