"""Development e-mail: printed to the console and kept as files under var/mail/."""

import os

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class PrivateFileBackend(FileBackend):
    """Mail files carry sign-in, verification and password-reset links: a 0700 folder of 0600 files."""

    def open(self) -> bool:
        if self.stream is not None:
            return False
        os.chmod(self.file_path, 0o700)
        descriptor = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.stream = os.fdopen(descriptor, "ab")
        return True


class ConsoleAndFileEmailBackend(BaseEmailBackend):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._backends = [ConsoleBackend(*args, **kwargs), PrivateFileBackend(*args, **kwargs)]

    def send_messages(self, email_messages):
        sent = 0
        for backend in self._backends:
            sent = backend.send_messages(email_messages)
        return sent
