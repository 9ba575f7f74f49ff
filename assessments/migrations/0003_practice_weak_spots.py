import django.db.models.deletion
from django.db import migrations, models


def fill_course_from_module(apps, schema_editor):
    PracticeAttempt = apps.get_model("assessments", "PracticeAttempt")
    Module = apps.get_model("courses", "Module")
    for module in Module.objects.filter(practice_attempts__isnull=False).distinct():
        PracticeAttempt.objects.filter(module=module).update(course_id=module.course_id)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_demos"),
        ("courses", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="practiceattempt",
            name="course",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="practice_attempts",
                to="courses.course",
            ),
        ),
        migrations.RunPython(fill_course_from_module, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="practiceattempt",
            name="course",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="practice_attempts", to="courses.course"
            ),
        ),
        migrations.AddField(
            model_name="practiceattempt",
            name="kind",
            field=models.CharField(
                choices=[("module", "Module quiz"), ("weak_spots", "Weak spots")], default="module", max_length=12
            ),
        ),
        migrations.AlterField(
            model_name="practiceattempt",
            name="module",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="practice_attempts",
                to="courses.module",
            ),
        ),
        migrations.AddConstraint(
            model_name="practiceattempt",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "module"), ("module__isnull", False))
                | models.Q(("kind", "weak_spots"), ("module__isnull", True)),
                name="practice_module_matches_kind",
            ),
        ),
    ]
