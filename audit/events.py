"""Every audit event type, by its stable dotted name.

Names never change once shipped: auditors filter and export by them. Add new ones here; writing
an entry with a name not registered here fails loudly.
"""

DRAFT_RECEIVED = "draft.received"
DRAFT_ROUTED = "draft.routed"
DRAFT_WITHDRAWN = "draft.withdrawn"
DRAFT_CLAIMED = "draft.claimed"
DRAFT_DECIDED = "draft.decided"
DRAFT_ESCALATED = "draft.escalated"
APPROVAL_VOIDED = "draft.approval_voided"
DRAFT_SLA_BREACHED = "draft.sla_breached"
LEASE_RENEWED = "lease.renewed"
LEASE_RELEASED = "lease.released"
LEASE_EXPIRED = "lease.expired"
LEASE_REVOKED = "lease.revoked"
PRODUCER_KEY_CREATED = "producer_key.created"
PRODUCER_KEY_REVOKED = "producer_key.revoked"
PRODUCER_KEY_CHANGED = "producer_key.changed"
PERSONAL_TOKEN_ISSUED = "personal_token.issued"
PERSONAL_TOKEN_REVOKED = "personal_token.revoked"
WORKFLOW_CREATED = "workflow.created"
WORKFLOW_CHANGED = "workflow.changed"
QUEUE_CREATED = "queue.created"
QUEUE_CHANGED = "queue.changed"
ERROR_CATEGORY_CREATED = "error_category.created"
ERROR_CATEGORY_CHANGED = "error_category.changed"
USER_CREATED = "user.created"
USER_CHANGED = "user.changed"
USER_DELETED = "user.deleted"
PERMISSION_GRANTED = "permission.granted"
PERMISSION_REVOKED = "permission.revoked"
GROUP_MEMBER_ADDED = "group.member_added"
GROUP_MEMBER_REMOVED = "group.member_removed"
DRAFT_PURGED = "draft.purged"
LOGIN_SUCCEEDED = "auth.login"
LOGIN_FAILED = "auth.login_failed"
AUDIT_EXPORTED = "audit.exported"
GOLDEN_SET_EXPORTED = "workflow.golden_set_exported"
AUDIT_CHECKPOINT = "audit.checkpoint_recorded"
AUDIT_VERIFIED = "audit.verified"
CALLBACK_DELIVERED = "callback.delivered"
CALLBACK_FAILED = "callback.failed"
CALLBACK_RESENT = "callback.resent"
CALLBACK_SECRET_ROTATED = "workflow.callback_secret_rotated"
AUTOMATION_CHANGED = "workflow.automation_changed"
DRAFT_AUTO_APPROVED = "draft.auto_approved"
SOURCE_FLAGGED = "draft.source_flagged"
DRAFT_MARKED_GOLDEN = "draft.marked_golden"
DIGEST_SENT = "workflow.digest_sent"
ACCESS_DENIED = "authz.denied"

REGISTERED: dict[str, str] = {
    DRAFT_RECEIVED: "A producer's draft was accepted.",
    DRAFT_ROUTED: "A draft was placed in a queue (or auto-approved), with the reason.",
    DRAFT_WITHDRAWN: "The producer withdrew a draft before it was decided.",
    DRAFT_CLAIMED: "A reviewer claimed a draft (a lease began).",
    DRAFT_DECIDED: "A reviewer approved, edited, rejected or escalated a draft.",
    DRAFT_ESCALATED: "A draft moved to its queue's escalation queue.",
    APPROVAL_VOIDED: "A first approval no longer counted: its approver lost the right to review.",
    DRAFT_SLA_BREACHED: "A draft waited past its queue's SLA.",
    LEASE_RENEWED: "A reviewer extended their lease on a draft.",
    LEASE_RELEASED: "A reviewer gave a draft back to its queue undecided.",
    LEASE_EXPIRED: "A lease ran out; the draft went back to its queue.",
    LEASE_REVOKED: "A lease ended because its holder lost review permission on the queue.",
    PRODUCER_KEY_CREATED: "A workflow API key was created.",
    PRODUCER_KEY_REVOKED: "A workflow API key was revoked.",
    PRODUCER_KEY_CHANGED: "A workflow API key's name or highest consequence changed "
    "(before / after).",
    PERSONAL_TOKEN_ISSUED: "A person's API token was issued.",
    PERSONAL_TOKEN_REVOKED: "A person's API token was revoked.",
    WORKFLOW_CREATED: "A workflow was created.",
    WORKFLOW_CHANGED: "A workflow's configuration changed (before / after).",
    QUEUE_CREATED: "A review queue was created.",
    QUEUE_CHANGED: "A review queue's configuration changed (before / after).",
    ACCESS_DENIED: "A signed-in person or a producer was refused (403), or asked for a draft "
    "they may not see (404).",
    ERROR_CATEGORY_CREATED: "An error category was added to a workflow's taxonomy.",
    ERROR_CATEGORY_CHANGED: "An error category was renamed, switched off or on (before / after).",
    USER_CREATED: "A person's account was created (active, staff, superuser).",
    USER_CHANGED: "A person's account changed: active, staff, superuser (before / after).",
    USER_DELETED: "A person's account was deleted (with the roles it held).",
    PERMISSION_GRANTED: "An object permission was granted to a person or role.",
    PERMISSION_REVOKED: "An object permission was revoked from a person or role.",
    GROUP_MEMBER_ADDED: "A person was added to a role.",
    GROUP_MEMBER_REMOVED: "A person was removed from a role.",
    DRAFT_PURGED: "A draft's text was purged after its workflow's retention period.",
    LOGIN_SUCCEEDED: "A person signed in.",
    LOGIN_FAILED: "A sign-in failed.",
    AUDIT_EXPORTED: "Someone downloaded an export of the audit log (with its filters).",
    GOLDEN_SET_EXPORTED: "An owner downloaded a workflow's golden set (with its filters).",
    AUDIT_CHECKPOINT: "The chain's head was recorded as a checkpoint and mailed to auditors.",
    AUDIT_VERIFIED: "The whole chain was checked (asked for by an auditor or nightly): the result.",
    CALLBACK_DELIVERED: "A producer's callback was delivered (2xx).",
    CALLBACK_FAILED: "A producer's callback failed for good (24 hours of retries, 410, refused).",
    CALLBACK_RESENT: "An owner asked for a callback to be sent again.",
    CALLBACK_SECRET_ROTATED: "A workflow's callback signing secret was rotated.",
    AUTOMATION_CHANGED: "Auto-approval of low drafts was switched on or off (with the figures).",
    DRAFT_AUTO_APPROVED: "A low-consequence draft was approved without review (earned automation).",
    SOURCE_FLAGGED: "A reviewer flagged a draft's cited source as stale or wrong.",
    DRAFT_MARKED_GOLDEN: "A reviewer marked a decided draft as a golden evaluation case.",
    DIGEST_SENT: "The weekly digest went to the workflow's owners.",
}
