"""The clock leases, decisions and due times are read from: the database's.

Web servers and workers run on several machines whose clocks drift apart. A lease granted
through one server and checked through another must end at the same moment for both, so on
PostgreSQL every lease, decision and due time is stamped with the database's clock
(`clock_timestamp()`: the moment of the call, not the start of the transaction, so a lock
waited for is not counted against the lease). The embedded default (SQLite) is one machine:
there the process clock is the database's clock.

App-side schedules (callback backoff, digests, rollups) keep the process clock.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone


def now() -> datetime:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()
