from django.core.management.base import BaseCommand

from reviewqueue.services.retention import purge_expired


class Command(BaseCommand):
    help = "Purge the text of finished drafts older than their workflow's retention period."

    def handle(self, *args, **options):
        self.stdout.write(f"Purged the text of {purge_expired()} drafts.")
