from reviewqueue.models.drafts import Draft
from reviewqueue.models.queues import Queue, QueueGroupObjectPermission, QueueUserObjectPermission
from reviewqueue.models.reviews import Decision, Lease, SourceFlag
from reviewqueue.models.tokens import PersonalToken

__all__ = [
    "Decision",
    "Draft",
    "Lease",
    "PersonalToken",
    "Queue",
    "QueueGroupObjectPermission",
    "QueueUserObjectPermission",
    "SourceFlag",
]
