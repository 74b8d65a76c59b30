from workflows.models.callbacks import CallbackAttempt, CallbackDelivery, GoneEndpoint
from workflows.models.core import (
    ErrorCategory,
    PolicyVersion,
    ProducerKey,
    Workflow,
    WorkflowGroupObjectPermission,
    WorkflowUsage,
    WorkflowUserObjectPermission,
)
from workflows.models.digests import DigestSent
from workflows.models.metrics import MetricsDay, RoiInputs

__all__ = [
    "CallbackAttempt",
    "CallbackDelivery",
    "DigestSent",
    "ErrorCategory",
    "GoneEndpoint",
    "MetricsDay",
    "PolicyVersion",
    "ProducerKey",
    "RoiInputs",
    "Workflow",
    "WorkflowGroupObjectPermission",
    "WorkflowUsage",
    "WorkflowUserObjectPermission",
]
