import factory
from allauth.account.models import EmailAddress

from accounts.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    certificate_name = factory.Sequence(lambda n: f"Learner Number {n}")
    role = Role.LEARNER
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


class InstructorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"instructor{n}@example.com")
    role = Role.INSTRUCTOR


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    role = Role.STAFF
    is_staff = True
