import logging

from django.apps import AppConfig

_DELIBERATELY_OFFLINE = "Validation/revocation info will be embedded, but fetching is not allowed"


class _WithoutTraceback(logging.Filter):
    """pyHanko logs each failed check of an uploaded file with its traceback; for us a
    forged or damaged upload is an expected refusal, reported to the visitor, so its log
    line keeps the message and drops the stack. Real failures still raise to the caller."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(_DELIBERATELY_OFFLINE):
            return False  # we sign without fetching on purpose: our CRL comes from a file
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from accounts.api import (
            account_eraser_connect,
            certificate_name_change_previewed,
            certificate_name_changed,
            personal_data_provider_connect,
        )
        from assessments.api import learner_progressed

        from . import api, selectors
        from .receivers import (
            certificate_name_change_previewed_list,
            certificate_name_changed_issue_pending,
            certificate_name_changed_reissue,
            learner_progressed_enqueue_issue,
        )

        learner_progressed.connect(learner_progressed_enqueue_issue, dispatch_uid="certificates.issue_on_progress")
        certificate_name_changed.connect(certificate_name_changed_reissue, dispatch_uid="certificates.reissue_on_name")
        certificate_name_changed.connect(
            certificate_name_changed_issue_pending, dispatch_uid="certificates.issue_pending_on_name"
        )
        certificate_name_change_previewed.connect(
            certificate_name_change_previewed_list, dispatch_uid="certificates.preview_name_change"
        )
        personal_data_provider_connect(selectors.personal_data_sections, dispatch_uid="certificates.personal_data")
        account_eraser_connect(api.certificates_withdraw_for_closed_account, dispatch_uid="certificates.close_account")
        # Loads pyHanko's modules, so that their loggers exist (a logger's filters do not
        # apply to its children: each one gets the filter).
        from . import pdf, verification  # noqa: F401

        for name in list(logging.root.manager.loggerDict):
            if name.split(".")[0] in ("pyhanko", "pyhanko_certvalidator"):
                logger = logging.getLogger(name)
                if not any(isinstance(existing, _WithoutTraceback) for existing in logger.filters):
                    logger.addFilter(_WithoutTraceback())
