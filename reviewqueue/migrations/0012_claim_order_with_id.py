# The claim index gains the id, so drafts due and received at the same moment have one order.
# On PostgreSQL the new index is built CONCURRENTLY before the old one is dropped, so claims,
# ingest and pages keep working on a large drafts table while it is built (hence atomic = False).

from django.conf import settings
from django.db import migrations, models

CLAIMABLE = models.Q(("status__in", ["queued", "escalated", "awaiting_second_approval"]))
NEW = models.Index(
    condition=CLAIMABLE,
    fields=["queue", "due_at", "received_at", "id"],
    name="draft_claim_order_idx",
)
OLD = models.Index(
    condition=CLAIMABLE, fields=["queue", "due_at", "received_at"], name="draft_claimable_idx"
)


def swap(old, new):
    def run(apps, schema_editor):
        Draft = apps.get_model("reviewqueue", "Draft")
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(Draft, new, concurrently=True)
            schema_editor.remove_index(Draft, old, concurrently=True)
        else:
            schema_editor.add_index(Draft, new)
            schema_editor.remove_index(Draft, old)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reviewqueue", "0011_second_approver_is_not_the_first"),
        ("workflows", "0010_owners_protected"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="draft", name="draft_claimable_idx"),
                migrations.AddIndex(model_name="draft", index=NEW),
            ],
            database_operations=[migrations.RunPython(swap(OLD, NEW), swap(NEW, OLD))],
        ),
    ]
