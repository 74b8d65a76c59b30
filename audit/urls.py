from django.urls import path

from audit import api

urlpatterns = [
    path("entries", api.EntryList.as_view(), name="api-audit-entries"),
    path("entries/<int:entry_id>", api.EntryDetail.as_view(), name="api-audit-entry"),
    path("export", api.Export.as_view(), name="api-audit-export"),
    path("verify", api.Verify.as_view(), name="api-audit-verify"),
]
