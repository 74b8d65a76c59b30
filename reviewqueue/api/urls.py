from django.urls import path

from reviewqueue.api import drafts, feedback, reviews

urlpatterns = [
    path("drafts", drafts.DraftCollection.as_view(), name="api-drafts"),
    path("drafts/batch", drafts.DraftBatch.as_view(), name="api-drafts-batch"),
    path("drafts/<draft_id:draft_id>", drafts.DraftDetail.as_view(), name="api-draft"),
    path("drafts/<draft_id:draft_id>/lease", reviews.DraftLease.as_view(), name="api-draft-lease"),
    path(
        "drafts/<draft_id:draft_id>/release",
        reviews.DraftRelease.as_view(),
        name="api-draft-release",
    ),
    path(
        "drafts/<draft_id:draft_id>/decisions",
        reviews.DraftDecisions.as_view(),
        name="api-draft-decisions",
    ),
    path(
        "drafts/<draft_id:draft_id>/sources/<path:source_id>/flags",  # ids may hold "/"
        feedback.SourceFlagView.as_view(),
        name="api-draft-source-flag",
    ),
    path(
        "drafts/<draft_id:draft_id>/golden", feedback.GoldenView.as_view(), name="api-draft-golden"
    ),
    path("queues", reviews.QueueList.as_view(), name="api-queues"),
    path("queues/<slug:slug>/claim", reviews.QueueClaim.as_view(), name="api-queue-claim"),
]
