from django.db import migrations

from audit import append_only


def install(apps, schema_editor):
    append_only.install(schema_editor)


def uninstall(apps, schema_editor):
    append_only.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain")]

    operations = [migrations.RunPython(install, uninstall)]
