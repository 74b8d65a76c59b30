"""Admin pages that create a credential and show its secret once, on the page that created it
(never in a message stored in the session, never again): producer keys and personal tokens."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from audit.actors import Actor

SENT_FORMS = "rq_credential_forms_sent"


class SecretShownOnceAdmin(admin.ModelAdmin):
    """The model's "Add" page is a small form; saving it calls `create` (a service that returns
    the new object and its secret) and answers with the secret, for the admin to hand on."""

    add_form: type[forms.Form]
    add_intro = ""
    secret_use = ""  # how whoever receives the secret uses it

    def create(self, data: dict, actor: Actor) -> tuple[object, str]:
        raise NotImplementedError

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)
        form = self.add_form(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Add {self.model._meta.verbose_name}",
            "form": form,
            "intro": self.add_intro,
            # One per form shown: the page that shows the secret answers a POST, so reloading
            # it sends the form again, which must not quietly create a second credential.
            "once": uuid.uuid4().hex,
        }
        if request.method == "POST" and form.is_valid():
            once = request.POST.get("once", "")
            sent: dict[str, str] = request.session.get(SENT_FORMS, {})
            if once in sent:
                context.update(created=sent[once], already=True)
                return TemplateResponse(request, "admin/secret_shown_once.html", context)
            created, secret = self.create(form.cleaned_data, Actor.person(request.user))
            if once:
                # What was created, never its secret.
                request.session[SENT_FORMS] = {**sent, once: str(created)}
            context.update(created=created, secret=secret, secret_use=self.secret_use)
            response = TemplateResponse(request, "admin/secret_shown_once.html", context)
            response["Cache-Control"] = "no-store"  # the secret stays out of every cache
            return response
        return TemplateResponse(request, "admin/secret_add.html", context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)
