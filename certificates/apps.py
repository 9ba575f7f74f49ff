from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from accounts.api import certificate_name_change_previewed, certificate_name_changed
        from assessments.api import learner_progressed

        from .receivers import (
            certificate_name_change_previewed_list,
            certificate_name_changed_reissue,
            learner_progressed_enqueue_issue,
        )

        learner_progressed.connect(learner_progressed_enqueue_issue, dispatch_uid="certificates.issue_on_progress")
        certificate_name_changed.connect(certificate_name_changed_reissue, dispatch_uid="certificates.reissue_on_name")
        certificate_name_change_previewed.connect(
            certificate_name_change_previewed_list, dispatch_uid="certificates.preview_name_change"
        )
