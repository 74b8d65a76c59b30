from django.db import migrations

from audit import append_only


def install(apps, schema_editor):
    append_only.install_txid_stamp(schema_editor)


def uninstall(apps, schema_editor):
    append_only.uninstall_txid_stamp(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_triggers")]

    operations = [migrations.RunPython(install, uninstall)]
