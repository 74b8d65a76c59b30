from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from audit import verification_pages
from audit import web as audit_pages
from reviewqueue import ops, views
from reviewqueue.web import inbox, review, review_feedback, signin
from workflows import web as owner

admin.site.login = signin.limited(admin.site.login)
SAFE = ["get", "head"]

urlpatterns = [
    path("", inbox.home, name="home"),
    path("queues/<slug:slug>/", inbox.queue_page, name="queue"),
    path("queues/<slug:slug>/claim/", inbox.claim, name="queue-claim"),
    path("drafts/<draft_id:draft_id>/", review.review, name="draft"),
    path("drafts/<draft_id:draft_id>/decide/", review.decide, name="draft-decide"),
    path("drafts/<draft_id:draft_id>/release/", review.release, name="draft-release"),
    path("drafts/<draft_id:draft_id>/renew/", review.renew, name="draft-renew"),
    path("drafts/<draft_id:draft_id>/claim/", review.claim_again, name="draft-claim-again"),
    path(
        "drafts/<draft_id:draft_id>/sources/flag/",
        review_feedback.flag_source,
        name="draft-flag-source",
    ),
    path("drafts/<draft_id:draft_id>/golden/", review_feedback.mark_golden, name="draft-golden"),
    path("workflows/<slug:slug>/", owner.dashboard, name="owner-dashboard"),
    path("workflows/<slug:slug>/automation/", owner.switch_automation, name="owner-automation"),
    path(
        "workflows/<slug:slug>/drafts/<draft_id:draft_id>/", owner.decided_draft, name="owner-draft"
    ),
    path(
        "workflows/<slug:slug>/callbacks/<str:delivery_id>/resend/",
        owner.resend_callback,
        name="owner-callback-resend",
    ),
    path("audit/", audit_pages.log, name="audit-log"),
    path("audit/<int:entry_id>/", audit_pages.entry, name="audit-entry"),
    path("audit/verify/", verification_pages.request_verification, name="audit-verify"),
    path("audit/verifications/", verification_pages.verification_list, name="audit-verifications"),
    path(
        "audit/verifications/<int:run_id>/",
        verification_pages.verification,
        name="audit-verification",
    ),
    path("login/", signin.login, name="login"),
    path("logout/", signin.logout, name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("reviewqueue.api.urls")),
    path("api/v1/audit/", include("audit.urls")),
    path("api/v1/workflows/", include("workflows.urls")),
    # Read only: OPTIONS on the docs would render their template for a metadata answer.
    path("api/schema/", SpectacularAPIView.as_view(http_method_names=SAFE), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", http_method_names=SAFE),
        name="api-docs",
    ),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
]

handler400 = views.refused_request
handler403 = views.forbidden
handler404 = views.not_found
handler500 = views.server_error
