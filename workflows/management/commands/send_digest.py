from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from workflows.models import Workflow
from workflows.services import digest


class Command(BaseCommand):
    help = "Send the weekly digest now (for the week before today, or before --day)."

    def add_arguments(self, parser):
        parser.add_argument("workflow", nargs="?", help="one workflow slug (default: all)")
        parser.add_argument("--day", help="YYYY-MM-DD: send the digest of the week before it")
        parser.add_argument("--force", action="store_true", help="send again if already sent")

    def handle(self, *args, workflow=None, day=None, force=False, **options):
        when = parse_date(day) if day else None
        if day and when is None:
            raise CommandError("--day takes a date like 2026-11-23")
        workflows = Workflow.objects.all()
        if workflow:
            workflows = workflows.filter(slug=workflow)
            if not workflows:
                raise CommandError(f"No workflow '{workflow}'.")
        for item in workflows:
            sending = digest.send(item, day=when, force=force)
            self.stdout.write(
                f"{item.slug}: {'sent' if sending.sent else f'not sent: {sending.why_not}'}"
            )
