"""Request-rate limits per producer key and per person. Rates are settings
(`RQ_PRODUCER_THROTTLE_RATE`, `RQ_PERSON_THROTTLE_RATE`; "none" switches one off). Counters live
in the cache (Redis in production); if it is down, requests go through: throttling fails open,
authorisation never does.
"""

from rest_framework.throttling import SimpleRateThrottle

from reviewqueue.api.authentication import Producer


class ProducerRateThrottle(SimpleRateThrottle):
    scope = "producer"

    def get_cache_key(self, request, view):
        if isinstance(request.user, Producer):
            return f"throttle:producer:{request.auth.pk}"
        return None


class PersonRateThrottle(SimpleRateThrottle):
    scope = "person"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated and not isinstance(request.user, Producer):
            return f"throttle:person:{request.user.pk}"
        return None
