from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from workflows.models import Workflow
from workflows.services.secrets import rotate_callback_secret


class Command(BaseCommand):
    help = (
        "Give a workflow a new callback signing secret, printed once, last. The previous secret "
        "also signs for a day, so the producing system can switch over."
    )

    def add_arguments(self, parser):
        parser.add_argument("workflow", help="workflow slug, e.g. claims-intake-summary")

    def handle(self, *args, workflow: str, **options):
        found = Workflow.objects.filter(slug=workflow).first()
        if found is None:
            known = ", ".join(Workflow.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No workflow '{workflow}'. Known workflows: {known}.")
        secret = rotate_callback_secret(
            workflow=found, actor=Actor.system("manage.py rotate_callback_secret")
        )
        self.stderr.write(
            f"New callback secret for {found.slug}; the previous one also signs for a day. "
            "Give it to the producing system now: it is not shown again."
        )
        self.stdout.write(secret)
