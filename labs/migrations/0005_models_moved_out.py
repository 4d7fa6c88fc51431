"""Exercises and students' workspaces now live in their own apps (exercises 0001, workspaces
0001). Their tables stay where they are: only Django's state forgets them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0001_initial"),
        ("workspaces", "0001_initial"),
        ("labs", "0004_student_cluster"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="exerciseattempt",
                    name="exercise",
                ),
                migrations.RemoveField(
                    model_name="exerciseprogress",
                    name="exercise",
                ),
                migrations.RemoveField(
                    model_name="exerciseattempt",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="exerciseprogress",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="studentcluster",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="studentnamespace",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="Exercise",
                ),
                migrations.DeleteModel(
                    name="ExerciseAttempt",
                ),
                migrations.DeleteModel(
                    name="ExerciseProgress",
                ),
                migrations.DeleteModel(
                    name="StudentCluster",
                ),
                migrations.DeleteModel(
                    name="StudentNamespace",
                ),
            ],
            database_operations=[],
        ),
    ]
