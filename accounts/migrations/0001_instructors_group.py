"""The "instructors" group: membership is what makes an account an instructor.

Earlier installations got the group from the quizzes and classes migrations
(which still add their permissions to it, for the admin); creating it here
again changes nothing there.
"""

from django.db import migrations


def add_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="instructors")


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(add_group, migrations.RunPython.noop)]
