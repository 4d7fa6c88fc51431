"""A system check that fails when the course content is invalid.

``manage.py check`` (and every command that runs checks) then names the
first problems, so a broken content file is caught before the server starts.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from tutor.content.registry import check_content

MAX_SHOWN = 20


@register("content")
def content_is_valid(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    report = check_content()
    errors = [
        Error(str(error), hint="Run `manage.py check_content` for the full list.", id="tutor.E001")
        for error in report.errors[:MAX_SHOWN]
    ]
    if len(report.errors) > MAX_SHOWN:
        errors.append(
            Error(f"... and {len(report.errors) - MAX_SHOWN} more content errors", id="tutor.E001")
        )
    return errors
