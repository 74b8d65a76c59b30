from django.urls import path

from audit import api, verification_api

urlpatterns = [
    path("entries", api.EntryList.as_view(), name="api-audit-entries"),
    path("entries/<int:entry_id>", api.EntryDetail.as_view(), name="api-audit-entry"),
    path("export", api.Export.as_view(), name="api-audit-export"),
    path("verify", api.Verify.as_view(), name="api-audit-verify"),
    path(
        "verifications",
        verification_api.VerificationList.as_view(),
        name="api-audit-verifications",
    ),
    path(
        "verifications/<int:run_id>",
        verification_api.VerificationDetail.as_view(),
        name="api-audit-verification",
    ),
]
