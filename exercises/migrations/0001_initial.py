"""Exercises moved out of the labs app: the models, not the data.

The tables keep their names (labs_exercise, labs_exerciseprogress,
labs_exerciseattempt), so this migration only tells Django's state where the
models live now; labs 0005 forgets them there. The content types (and with
them the permissions and admin history) follow the models.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("exercise", "exerciseprogress", "exerciseattempt")


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="exercises", model=model).exists():
            content_type.objects.filter(app_label="labs", model=model).update(app_label="exercises")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("lessons", "0001_initial"),
        ("labs", "0004_student_cluster"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Exercise",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("uuid", models.UUIDField(unique=True)),
                        ("slug", models.SlugField(max_length=80)),
                        ("position", models.PositiveSmallIntegerField(default=0)),
                        ("title", models.CharField(max_length=120)),
                        (
                            "difficulty",
                            models.CharField(
                                choices=[("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")],
                                max_length=10,
                            ),
                        ),
                        ("kubernetes_version", models.CharField(max_length=8)),
                        ("prompt_html", models.TextField()),
                        ("starter", models.TextField(blank=True)),
                        ("hints_html", models.JSONField(default=list)),
                        ("rules", models.JSONField(default=list)),
                        ("solution", models.TextField()),
                        ("content_hash", models.CharField(max_length=64)),
                        ("is_published", models.BooleanField(default=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "chapter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="exercises",
                                to="lessons.chapter",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "labs_exercise",
                        "ordering": ["chapter__number", "position"],
                    },
                ),
                migrations.CreateModel(
                    name="ExerciseAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("manifest", models.TextField()),
                        ("valid", models.BooleanField()),
                        ("passed", models.BooleanField()),
                        ("score", models.PositiveIntegerField()),
                        ("max_score", models.PositiveIntegerField()),
                        ("findings", models.JSONField(default=list)),
                        ("rule_results", models.JSONField(default=list)),
                        ("hints_used", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "exercise",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempts",
                                to="exercises.exercise",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="exercise_attempts",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "labs_exerciseattempt",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["user", "exercise", "-created_at"],
                                name="labs_exerci_user_id_8565b5_idx",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ExerciseProgress",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("hints_revealed", models.PositiveSmallIntegerField(default=0)),
                        ("best_score", models.PositiveIntegerField(default=0)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("solved_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "exercise",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="progress",
                                to="exercises.exercise",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="exercise_progress",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "labs_exerciseprogress",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "exercise"), name="unique_exercise_progress"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
