"""Every audit event type, by its stable dotted name.

Names never change once shipped: auditors filter and export by them. Add new ones here; writing
an entry with a name not registered here fails loudly.
"""

DRAFT_RECEIVED = "draft.received"
DRAFT_ROUTED = "draft.routed"
DRAFT_WITHDRAWN = "draft.withdrawn"
PRODUCER_KEY_CREATED = "producer_key.created"
PRODUCER_KEY_REVOKED = "producer_key.revoked"
PERSONAL_TOKEN_ISSUED = "personal_token.issued"
PERSONAL_TOKEN_REVOKED = "personal_token.revoked"
WORKFLOW_CREATED = "workflow.created"
WORKFLOW_CHANGED = "workflow.changed"
QUEUE_CREATED = "queue.created"
QUEUE_CHANGED = "queue.changed"
PERMISSION_GRANTED = "permission.granted"
PERMISSION_REVOKED = "permission.revoked"
GROUP_MEMBER_ADDED = "group.member_added"
GROUP_MEMBER_REMOVED = "group.member_removed"

REGISTERED: dict[str, str] = {
    DRAFT_RECEIVED: "A producer's draft was accepted.",
    DRAFT_ROUTED: "A draft was placed in a queue (or auto-approved), with the reason.",
    DRAFT_WITHDRAWN: "The producer withdrew a draft before it was decided.",
    PRODUCER_KEY_CREATED: "A workflow API key was created.",
    PRODUCER_KEY_REVOKED: "A workflow API key was revoked.",
    PERSONAL_TOKEN_ISSUED: "A person's API token was issued.",
    PERSONAL_TOKEN_REVOKED: "A person's API token was revoked.",
    WORKFLOW_CREATED: "A workflow was created.",
    WORKFLOW_CHANGED: "A workflow's configuration changed (before / after).",
    QUEUE_CREATED: "A review queue was created.",
    QUEUE_CHANGED: "A review queue's configuration changed (before / after).",
    PERMISSION_GRANTED: "An object permission was granted to a person or role.",
    PERMISSION_REVOKED: "An object permission was revoked from a person or role.",
    GROUP_MEMBER_ADDED: "A person was added to a role.",
    GROUP_MEMBER_REMOVED: "A person was removed from a role.",
}
