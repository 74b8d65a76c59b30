from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from workflows.models import Workflow
from workflows.routing import LEVELS
from workflows.services.keys import create_producer_key


class Command(BaseCommand):
    help = "Create an API key for a workflow's producer. The secret is printed once, last."

    def add_arguments(self, parser):
        parser.add_argument("workflow", help="workflow slug, e.g. claims-intake-summary")
        parser.add_argument("--name", default="", help="what the key is for")
        parser.add_argument("--max-consequence", default="", choices=["", *LEVELS])

    def handle(self, *args, workflow: str, name: str, max_consequence: str, **options):
        found = Workflow.objects.filter(slug=workflow).first()
        if found is None:
            known = ", ".join(Workflow.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No workflow '{workflow}'. Known workflows: {known}.")
        key, secret = create_producer_key(
            workflow=found,
            actor=Actor.system("manage.py create_producer_key"),
            name=name,
            max_consequence=max_consequence,
        )
        self.stderr.write(
            f"Created key {key.prefix} for {found.slug}. Store it now: it cannot be shown again."
        )
        self.stdout.write(secret)
