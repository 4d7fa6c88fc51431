from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from core.http import AuthenticatedHttpRequest
from lessons import selectors, services
from lessons.content import chapter_assets, content_root


@require_POST
@login_required
def chapter_done(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    chapter = selectors.chapter_get_published(slug=slug)
    done = request.POST.get("done", "1") not in ("0", "false", "")
    progress = services.chapter_set_done(user=request.user, chapter=chapter, done=done)
    if request.htmx:
        return render(
            request,
            "lessons/_done_toggle.html",
            {"chapter": chapter, "progress": progress, "oob_sidebar": True},
        )
    return redirect(chapter)


@require_safe
def chapter_asset(request: HttpRequest, slug: str, name: str) -> FileResponse:
    chapter = selectors.chapter_get_published(slug=slug)
    folder = content_root() / "chapters" / chapter.folder
    assets = chapter_assets(folder) if folder.is_dir() else {}
    if name not in assets:
        raise Http404("No such file")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(assets[name].open("rb"), content_type=content_type)
    # An SVG opened directly must not run anything, even if a hostile one slipped in.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "public, max-age=3600"
    return response
