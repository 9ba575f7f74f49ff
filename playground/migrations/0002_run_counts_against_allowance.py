from django.db import migrations, models

# The busy message as the runs stored it before the field existed (frozen here, as migrations are).
TURNED_AWAY_TEXT = "The model is busy right now. Run it again in a minute; this run does not count against you."


def runs_turned_away_do_not_count(apps, schema_editor):
    PlaygroundRun = apps.get_model("playground", "PlaygroundRun")
    PlaygroundRun.objects.filter(state="failed", error=TURNED_AWAY_TEXT).update(counts_against_allowance=False)


class Migration(migrations.Migration):
    dependencies = [
        ("playground", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="playgroundrun",
            name="counts_against_allowance",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(runs_turned_away_do_not_count, migrations.RunPython.noop),
    ]
