from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviewqueue.services.demo import DEMO_PASSWORD, ROLES, seed_demo


class Command(BaseCommand):
    help = "Create the demo organisation (workflows, queues, roles, people, sample drafts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-demo-passwords",
            action="store_true",
            help="Set the well-known demo password even though DEBUG is off.",
        )
        parser.add_argument(
            "--history",
            action="store_true",
            help="Into an empty demo, also two weeks of decided drafts (the embedded demo).",
        )

    def handle(self, *args, allow_demo_passwords: bool, history: bool = False, **options):
        allowed = settings.DEBUG or allow_demo_passwords or settings.RQ_ALLOW_DEMO_PASSWORDS
        if not allowed:
            raise CommandError(
                "Refusing to give demo people the well-known password with DEBUG off. "
                "Run with DEBUG=1 (embedded demo) or pass --allow-demo-passwords."
            )
        self.stdout.write("Seeding the demo organisation…")
        seed_demo(set_passwords=True, history=history, say=self.stdout.write)
        people = ", ".join([*(m for ms in ROLES.values() for m in ms), "admin"])
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        self.stdout.write(f"Sign in as any of: {people}")
        self.stdout.write(f"Password for all of them: {DEMO_PASSWORD}")
