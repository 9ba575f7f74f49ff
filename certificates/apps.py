from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from assessments.api import learner_progressed

        from .receivers import learner_progressed_enqueue_issue

        learner_progressed.connect(learner_progressed_enqueue_issue, dispatch_uid="certificates.issue_on_progress")
