"""A one-module Django site for the Chromium cookie tests: Django's AJAX CSRF recipe.

The start page sets the `csrftoken` cookie (not HttpOnly, as Django's docs say, so that
page scripts can read it); a POST is refused with 403 unless its X-CSRFToken header
carries that token. `/cookies` lists the cookies the request came with.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="only-for-the-browser-tests",  # a test site: nothing to protect
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
    USE_TZ=True,
)

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import ensure_csrf_cookie  # noqa: E402


@ensure_csrf_cookie
def start(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<!doctype html><title>csrf</title><h1 id=ready>ready</h1>")


def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "method": request.method})


def cookies(request: HttpRequest) -> JsonResponse:
    return JsonResponse(dict(request.COOKIES))


urlpatterns: list[Any] = [path("", start), path("echo", echo), path("cookies", cookies)]
app = get_wsgi_application()
