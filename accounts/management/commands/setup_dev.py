from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, User

DEMO_PASSWORD = "learn-grok-4-demo"


class Command(BaseCommand):
    help = "Development only: create a demo learner and a demo instructor when none exist, and print their logins."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("setup_dev creates accounts with known passwords; it runs only with DJANGO_DEBUG on.")
        self._ensure("learner@demo.localhost", "Demo Learner", Role.LEARNER)
        self._ensure("instructor@demo.localhost", "Demo Instructor", Role.INSTRUCTOR)

    @transaction.atomic
    def _ensure(self, email: str, name: str, role: Role) -> None:
        from allauth.account.models import EmailAddress
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        if User.objects.filter(role=role).exists():
            self.stdout.write(f"A {role.label.lower()} account exists already; skipping the demo {role.label.lower()}.")
            return
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, certificate_name=name, role=role)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        lines = [f"Demo {role.label.lower()}: {email} / {DEMO_PASSWORD}"]
        if user.requires_mfa:
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
            codes = RecoveryCodes.activate(user).get_unused_codes()
            lines.append(f"  two-factor: TOTP secret {secret} (add it to an authenticator app)")
            lines.append(f"  or sign in with a recovery code: {', '.join(codes[:3])}")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
