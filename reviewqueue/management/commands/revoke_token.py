from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from reviewqueue.models import PersonalToken
from reviewqueue.services.tokens import revoke_token


class Command(BaseCommand):
    help = (
        "Revoke a personal API token by its prefix (shown when it was issued and in the admin), "
        "or every live token of a person with --all-of USERNAME."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "prefix",
            nargs="?",
            help="the token's prefix (8768aaea), or the token itself (rqt_8768aaea_…)",
        )
        parser.add_argument("--all-of", metavar="USERNAME", help="every live token of this person")

    def handle(self, *args, prefix: str | None, all_of: str | None, **options):
        if bool(prefix) == bool(all_of):
            raise CommandError("Give a token prefix, or --all-of USERNAME (not both).")
        if prefix:
            # The token as issued is rqt_PREFIX_SECRET: whoever pastes it, or its start, means
            # its prefix.
            prefix = prefix.removeprefix("rqt_").split("_", 1)[0]
        live = PersonalToken.objects.filter(revoked_at__isnull=True).select_related("user")
        tokens = list(live.filter(user__username=all_of) if all_of else live.filter(prefix=prefix))
        if not tokens:
            if all_of:
                raise CommandError(f"'{all_of}' holds no live token.")
            known = PersonalToken.objects.filter(prefix=prefix).first()
            raise CommandError(
                f"Token {prefix} is already revoked."
                if known
                else f"No token with prefix '{prefix}'. Prefixes are listed in the admin."
            )
        actor = Actor.system("manage.py revoke_token")
        for token in tokens:
            revoke_token(token=token, actor=actor)
            self.stdout.write(f"Revoked {token.prefix} of {token.user.get_username()}.")
