import json
import time

from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from audit.checkpoints import parse_checkpoint
from audit.sealing import head, seal_pending
from audit.verification_runs import verify_now


class Command(BaseCommand):
    help = "Recompute the audit hash chain; exit 1 and say where if it is broken."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            help="POSITION:HASH from a checkpoint mail, to catch a rewrite of the whole log",
        )
        parser.add_argument("--no-seal", action="store_true", help="do not seal pending first")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100_000,
            metavar="N",
            help="report progress on stderr every N entries (default 100000)",
        )

    def handle(self, *args, checkpoint, no_seal, **options):
        wanted = None
        if checkpoint:
            try:
                wanted = parse_checkpoint(checkpoint)
            except ValueError as error:
                raise CommandError(f"--checkpoint: {error}") from None
        if not no_seal:
            self.stderr.write(f"Sealed {seal_pending()} pending entries.")
        total = head().position
        self.stderr.write(f"Verifying the audit chain ({total} sealed entries)…")
        started = time.monotonic()

        def progress(checked: int) -> None:
            rate = checked / max(time.monotonic() - started, 1e-6)
            left = (total - checked) / rate if rate else 0
            self.stderr.write(
                f"  {checked} of {total} checked ({checked / total:.0%}, {rate:,.0f}/s, "
                f"about {left:.0f} s left)"
            )

        # On record as `audit.verified` (whoever runs it on the server, the check is evidence).
        report = verify_now(
            actor=Actor.system("manage.py verify_audit"),
            checkpoint=wanted,
            seal=False,  # sealed above, with its count said
            on_progress=progress,
            every=options["progress_every"],
        )
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
