from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from reviewqueue.services.tokens import issue_token


class Command(BaseCommand):
    help = "Issue a personal API token for a person. The secret is printed once, last."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No person with username '{username}'.")
        if not user.is_active:
            raise CommandError(f"'{username}' is deactivated; a token for them would not work.")
        token, secret = issue_token(user=user, actor=Actor.system("manage.py issue_token"))
        self.stderr.write(
            f"Issued token {token.prefix} for {username}. Store it now: it cannot be shown again."
        )
        self.stdout.write(secret)
