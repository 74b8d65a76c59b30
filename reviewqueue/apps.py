from django.apps import AppConfig


class ReviewQueueConfig(AppConfig):
    name = "reviewqueue"
    verbose_name = "Review"

    def ready(self) -> None:
        from reviewqueue.api import schema  # noqa: F401  registers the OpenAPI auth extension
