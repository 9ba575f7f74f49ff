from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from accounts.services import user_set_role


class Command(BaseCommand):
    help = "Give a user the learner, instructor or staff role (instructors and staff must then enrol MFA)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=[role.value for role in Role])

    def handle(self, *args, email: str, role: str, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email}.")
        user_set_role(user=user, role=Role(role))
        self.stdout.write(f"{user.email} is now {Role(role).label.lower()}.")
