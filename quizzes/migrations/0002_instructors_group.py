"""The "instructors" group: may edit quizzes and see their statistics."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "add_quiz",
    "change_quiz",
    "view_quiz",
    "add_question",
    "change_question",
    "view_question",
]


def add_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    app_config = apps.get_app_config("quizzes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="instructors")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="quizzes", codename__in=PERMISSIONS)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="instructors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_group, remove_group)]
