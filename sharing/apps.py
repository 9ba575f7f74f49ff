from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        from accounts.api import account_eraser_connect, personal_data_provider_connect

        from . import selectors, services

        personal_data_provider_connect(selectors.personal_data_sections, dispatch_uid="sharing.personal_data")
        account_eraser_connect(services.certificate_profiles_erase, dispatch_uid="sharing.close_account")
