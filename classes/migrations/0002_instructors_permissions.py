"""The "instructors" group (made by quizzes) may run classes too."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["add_cohort", "change_cohort", "view_cohort", "view_membership"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    app_config = apps.get_app_config("classes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="instructors")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="classes", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="instructors").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="classes", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("classes", "0001_initial"),
        ("quizzes", "0002_instructors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
