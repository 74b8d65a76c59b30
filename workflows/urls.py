from django.urls import path

from workflows.api import callbacks, feedback

urlpatterns = [
    path("<slug:slug>/metrics", feedback.Metrics.as_view(), name="api-metrics"),
    path("<slug:slug>/golden-set", feedback.GoldenSet.as_view(), name="api-golden-set"),
    path("<slug:slug>/sources", feedback.SourceReport.as_view(), name="api-source-report"),
    path("<slug:slug>/automation", feedback.Automation.as_view(), name="api-automation"),
    path("<slug:slug>/callbacks", callbacks.CallbackList.as_view(), name="api-callbacks"),
    path(
        "<slug:slug>/callbacks/<str:delivery_id>/resend",
        callbacks.CallbackResend.as_view(),
        name="api-callback-resend",
    ),
]
