from django.apps import AppConfig


class ReviewQueueConfig(AppConfig):
    name = "reviewqueue"
    verbose_name = "Review"

    def ready(self) -> None:
        from django.urls import register_converter

        from reviewqueue import signals
        from reviewqueue.api import schema  # noqa: F401  registers the OpenAPI auth extension
        from reviewqueue.converters import AnyCaseUUID

        signals.connect()
        register_converter(AnyCaseUUID, "draft_id")
