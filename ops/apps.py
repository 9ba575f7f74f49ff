from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health probes, Prometheus metrics and structured logs with a request id."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import celery_signals

        celery_signals.connect()
