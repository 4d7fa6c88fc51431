from functools import partial

from django.http import HttpRequest

from accounts.permissions import is_instructor, is_operator


def roles(request: HttpRequest) -> dict[str, object]:
    # A callable: templates evaluate it only where they ask (the navigation).
    return {
        "user_is_instructor": partial(is_instructor, request.user),
        "user_is_operator": partial(is_operator, request.user),
    }
