"""Guardian's object-permission managers, with their bulk grants made one row at a time.

Guardian's `bulk_assign_perm` and `assign_perm_to_many` insert with `bulk_create`, which sends
no signal, so such grants would bypass the audit log (reviewqueue/signals.py). Granting is rare
and small; saving each row keeps every grant an audited event, however it was made.
"""

from __future__ import annotations

from django.db import transaction
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager


class _OneAtATime:
    def bulk_create(self, objs, *args, ignore_conflicts: bool = False, **kwargs):
        rows = list(objs)
        with transaction.atomic():
            for row in rows:
                fields = {
                    f.attname: getattr(row, f.attname)
                    for f in row._meta.concrete_fields
                    if not f.primary_key
                }
                found, created = self.get_or_create(**fields)
                if not created and not ignore_conflicts:
                    raise ValueError(f"{found} is already granted")
                row.pk = found.pk
        return rows


class AuditedUserPermissions(_OneAtATime, UserObjectPermissionManager):
    pass


class AuditedGroupPermissions(_OneAtATime, GroupObjectPermissionManager):
    pass
