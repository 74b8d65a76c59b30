from django.core.management.base import BaseCommand

from audit.checkpoints import record_checkpoint


class Command(BaseCommand):
    help = "Record the audit chain's head as a checkpoint and mail it to auditors."

    def handle(self, *args, **options):
        checkpoint = record_checkpoint()
        if checkpoint is None:
            self.stdout.write("The audit log is empty; nothing to record.")
        else:
            self.stdout.write(f"{checkpoint.position}:{checkpoint.head_hash}")
