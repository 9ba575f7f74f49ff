"""Designed HTML for every e-mail the platform sends, built from its plain-text body.

The text body stays the source (it is what allauth's and the apps' templates write); the HTML
part wraps it in the site's look, turns its links into links and its main link into a button.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's templates read as `current_site`: the name and domain from settings,
    never the host and port a request happened to arrive on."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).hostname or settings.SITE_URL)


def recipient_name(user) -> str:
    """The name to greet a person by, or "" when they have not given one (the e-mail then says "Hello,")."""
    if user is None:
        return ""
    return getattr(user, "certificate_name", "") or user.get_full_name()


def recipient_language(user, *, fallback: str = "") -> str:
    """The language to write to `user` in (an e-mail, or the certificate printed for them): their
    chosen one, else `fallback` (such as the language of the page they were on), else the
    platform's default. Workers have no request to ask, so senders render under
    `translation.override(recipient_language(...))`."""
    available = {code for code, _name in settings.LANGUAGES}
    for candidate in (getattr(user, "preferred_language", ""), fallback):
        if candidate in available:
            return candidate
    return settings.LANGUAGE_CODE


def email_html(*, subject: str, text: str, action_url: str = "", action_label: str = "") -> str:
    paragraphs = [block.strip() for block in text.strip().split("\n\n") if block.strip()]
    if action_url:
        # The button carries the main link; the paragraph that only repeated it goes.
        paragraphs = [block for block in paragraphs if block != action_url]
    return render_to_string(
        "emails/message.html",
        {
            "subject": subject,
            "paragraphs": paragraphs,
            "action_url": action_url,
            "action_label": action_label,
            "site": site_identity(),
            "site_url": settings.SITE_URL,
        },
    )


def display_name(user) -> str:
    """How allauth names a signed-in person in its messages ("Signed in as ...")."""
    return recipient_name(user) or user.email
