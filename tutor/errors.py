"""Site-styled error pages.

The 500 page is rendered without a request context on purpose: whatever
broke (the database, a context processor) must not break the error page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    html = loader.render_to_string("404.html", {"path": request.path}, request)
    return HttpResponseNotFound(html)


def server_error(request: HttpRequest) -> HttpResponse:
    html = loader.get_template("500.html").render({})
    return HttpResponseServerError(html)
