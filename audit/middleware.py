"""Make the signed-in person the actor of audit entries written during their request."""

from audit.actors import Actor
from audit.context import current_actor


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = Actor.person(user) if user is not None and user.is_authenticated else None
        token = current_actor.set(actor)
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)
