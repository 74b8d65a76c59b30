from django.core.management.base import BaseCommand

from audit.sealing import seal_pending


class Command(BaseCommand):
    help = "Seal pending audit entries into the hash chain now."

    def handle(self, *args, **options):
        self.stdout.write(f"Sealed {seal_pending()} entries.")
