from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "LMS integration (LTI 1.3)"

    def ready(self) -> None:
        # Scores go back to the LMS when the apps below announce a new or changed result.
        from lti import receivers  # noqa: F401 (connects the signal receivers)
