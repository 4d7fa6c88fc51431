from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        # Not "site_name": Django's auth views set that to the request's host.
        "tutor_site_name": settings.TUTOR_SITE_NAME,
        "kubernetes_version": settings.TUTOR_KUBERNETES_VERSION,
        # Each language by its own name ("English", "Español"), whatever the page's language.
        "tutor_languages": settings.LANGUAGES,
    }
