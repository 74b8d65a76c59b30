from reviewqueue.models.drafts import Draft
from reviewqueue.models.queues import Queue, QueueGroupObjectPermission, QueueUserObjectPermission
from reviewqueue.models.tokens import PersonalToken

__all__ = [
    "Draft",
    "PersonalToken",
    "Queue",
    "QueueGroupObjectPermission",
    "QueueUserObjectPermission",
]
