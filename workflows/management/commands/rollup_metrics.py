import time

from django.core.management.base import BaseCommand, CommandError

from workflows.models import Workflow
from workflows.services import rollups


class Command(BaseCommand):
    help = (
        "Store the daily metrics of closed days (the nightly job does yesterday). "
        "--rebuild recomputes them, e.g. after data was corrected by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("workflow", nargs="?", help="one workflow slug (default: all)")
        parser.add_argument("--days", type=int, default=90, help="how many days back (90)")
        parser.add_argument("--rebuild", action="store_true", help="recompute stored days")

    def handle(self, *args, workflow=None, days=90, rebuild=False, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        workflows = Workflow.objects.order_by("slug")
        if workflow:
            workflows = workflows.filter(slug=workflow)
            if not workflows:
                raise CommandError(f"No workflow '{workflow}'.")
        for item in workflows:
            began = time.monotonic()
            count = rollups.roll_up(item, days, rebuild=rebuild)
            self.stdout.write(
                f"{item.slug}: {count} day(s) stored "
                f"({'recomputed' if rebuild else 'missing ones computed'}) "
                f"in {time.monotonic() - began:.1f} s"
            )
