"""allauth hooks: e-mails carry the site's name and the person's name, and always have an HTML part."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.api import language_active

from .emails import email_html, recipient_language, recipient_name, site_identity

# The link each allauth message is about, and the words on its button.
ACTIONS = (
    ("activate_url", _("Confirm your e-mail address")),
    ("password_reset_url", _("Choose a new password")),
    ("signup_url", _("Create an account")),
)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        user = context.get("user")
        context = {**context, "current_site": site_identity(), "recipient_name": recipient_name(user)}
        # The person's chosen language, else the one of the page that sent the e-mail (sign-up,
        # password reset): subject, body and HTML part are all rendered inside this.
        with translation.override(recipient_language(user, fallback=translation.get_language() or "")):
            super().send_mail(template_prefix, email, context)

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if isinstance(message, EmailMultiAlternatives) and not message.alternatives:
            action_url, action_label = next(
                ((context[key], label) for key, label in ACTIONS if context.get(key)), ("", "")
            )
            html = email_html(
                subject=str(message.subject),
                text=str(message.body),
                action_url=action_url,
                action_label=str(action_label),
            )
            message.attach_alternative(html, "text/html")
        return message

    def save_user(self, request, user, form, commit=True):
        # The language the person signed up in becomes their preference (see accounts.languages).
        user.preferred_language = language_active()
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        # Instructors start from their cohort overview, not from a learner's dashboard.
        if getattr(request.user, "is_instructor", False):
            return reverse("instructor:home")
        return super().get_login_redirect_url(request)
