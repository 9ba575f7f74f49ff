from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Cast, Concat


def usernames_follow_emails(apps, schema_editor):
    """Accounts made by sign-up had a blank username, and a changed address left the old one
    behind. Two passes, so that no row takes an address another still holds as its username;
    a placeholder starting with "#" is never an e-mail address."""
    User = apps.get_model("accounts", "User")
    User.objects.update(username=Concat(Value("#"), Cast("id", models.CharField())))
    User.objects.update(username=F("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_preferred_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(editable=False, max_length=254, unique=True, verbose_name="username"),
        ),
        migrations.RunPython(usernames_follow_emails, migrations.RunPython.noop),
    ]
