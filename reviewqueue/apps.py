from django.apps import AppConfig


class ReviewQueueConfig(AppConfig):
    name = "reviewqueue"
    verbose_name = "Review"

    def ready(self) -> None:
        from reviewqueue import signals
        from reviewqueue.api import schema  # noqa: F401  registers the OpenAPI auth extension

        signals.connect()
