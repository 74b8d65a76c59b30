from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit.append_only import app_role_grants


class Command(BaseCommand):
    help = (
        "Print (or --apply) the grants for the application's database role: every table, but "
        "only SELECT and INSERT on the audit tables. Run as the owner of the tables."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the application connects as")
        parser.add_argument("--apply", action="store_true", help="run them now")

    def handle(self, *args, role: str, apply: bool = False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Grants apply to PostgreSQL; the embedded SQLite has no roles.")
        statements = app_role_grants(role)
        if apply:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            self.stdout.write(f"Granted {role}: all tables, audit tables append-only.")
        else:
            self.stdout.write("\n".join(statements))
