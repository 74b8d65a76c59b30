from django.urls import path

from reviewqueue.api import drafts

urlpatterns = [
    path("drafts", drafts.DraftCollection.as_view(), name="api-drafts"),
    path("drafts/batch", drafts.DraftBatch.as_view(), name="api-drafts-batch"),
    path("drafts/<uuid:draft_id>", drafts.DraftDetail.as_view(), name="api-draft"),
]
