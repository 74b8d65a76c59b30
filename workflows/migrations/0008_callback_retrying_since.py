"""A callback's retry window starts at its own time, so a resend no longer rewrites created_at."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workflows", "0007_automation_shares")]

    operations = [
        migrations.AddField(
            model_name="callbackdelivery",
            name="retrying_since",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(
            "UPDATE workflows_callbackdelivery SET retrying_since = created_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="callbackdelivery",
            name="retrying_since",
            field=models.DateTimeField(),
        ),
    ]
