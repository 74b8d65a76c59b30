from workflows.models.callbacks import CallbackAttempt, CallbackDelivery
from workflows.models.core import (
    ErrorCategory,
    PolicyVersion,
    ProducerKey,
    Workflow,
    WorkflowGroupObjectPermission,
    WorkflowUsage,
    WorkflowUserObjectPermission,
)

__all__ = [
    "CallbackAttempt",
    "CallbackDelivery",
    "ErrorCategory",
    "PolicyVersion",
    "ProducerKey",
    "Workflow",
    "WorkflowGroupObjectPermission",
    "WorkflowUsage",
    "WorkflowUserObjectPermission",
]
