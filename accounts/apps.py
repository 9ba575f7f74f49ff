from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Connects the receiver that restores a person's language at sign-in.
        from . import languages  # noqa: F401
