import json

from django.core.management.base import BaseCommand, CommandError

from audit.sealing import seal_pending
from audit.verification import verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain; exit 1 and say where if it is broken."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            help="POSITION:HASH from a checkpoint mail, to catch a rewrite of the whole log",
        )
        parser.add_argument("--no-seal", action="store_true", help="do not seal pending first")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, checkpoint, no_seal, **options):
        wanted = None
        if checkpoint:
            position, _, digest = checkpoint.partition(":")
            if not position.isdigit() or len(digest) != 64:
                raise CommandError("--checkpoint takes POSITION:HASH, e.g. 1042:3fa9…(64 hex)")
            wanted = (int(position), digest)
        if not no_seal:
            self.stderr.write(f"Sealed {seal_pending()} pending entries.")
        self.stderr.write("Verifying the audit chain…")
        report = verify(checkpoint=wanted)
        if options["json"]:
            self.stdout.write(_json(report.as_dict()))
        elif report.ok:
            self.stdout.write(f"ok: {report.entries} entries, head {report.head}")
        else:
            self.stdout.write(
                f"BROKEN: {report.problem} at position {report.position}"
                f"{f' (entry {report.entry_id})' if report.entry_id else ''}: {report.detail or ''}"
            )
        if not report.ok:
            raise SystemExit(1)


def _json(data) -> str:
    return json.dumps(data, sort_keys=True)
