"""What error reports (the DEBUG page, error e-mails) may show of settings, the environment, locals
and the exception's own message.

Django's filter hides values by the name they are kept under (`SECRET_KEY`, `PASSWORD`),
but credentials also travel inside URLs whose names say nothing (`DATABASE_URL`,
`REDIS_URL`, `EMAIL_URL`, a cache `LOCATION`, the Celery broker). This filter also masks
the password of any `scheme://user:password@host` value, at any depth, and it stays on in
development: a DEBUG page is still a page someone else may see.
"""

import re
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# scheme://user:password@ or scheme://:password@ (Redis); the user and host stay readable.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^\s:/@]*):(?P<password>[^\s/@]+)@", re.IGNORECASE)
_MASK = "********"


def url_credentials_mask(text: str) -> str:
    """The text with the password of every URL in it replaced by stars."""
    return _URL_PASSWORD.sub(lambda match: f"{match['head']}:{_MASK}@", text)


class CredentialMaskingFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL|PRIVATE|DSN|SESSIONID|CSRF", re.IGNORECASE
    )

    def is_active(self, request) -> bool:
        # Django switches the filter off under DEBUG; masking credentials costs a developer nothing.
        return True

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return url_credentials_mask(cleansed)
        if isinstance(cleansed, bytes):
            return url_credentials_mask(cleansed.decode("utf-8", "replace"))
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        # Local variables go through the same rules as settings: a name like `password`
        # hides the value, and a URL with a password in any string is masked.
        return [
            (name, value if value is self.cleansed_substitute else self.cleanse_setting(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class CredentialMaskingReporter(ExceptionReporter):
    """An exception's message can quote a URL with its password (a driver naming the server it
    could not reach): the report shows the message, and each chained exception's, masked."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if isinstance(data.get("exception_value"), str):
            data["exception_value"] = url_credentials_mask(data["exception_value"])
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = url_credentials_mask(str(frame["exc_cause"]))
        return data
