from django.apps import AppConfig


class TutorConfig(AppConfig):
    name = "tutor"
    verbose_name = "LFS158 Tutor"

    def ready(self) -> None:
        from tutor import checks, page_cache  # noqa: F401  (registers the content system check)

        page_cache.connect_signals()
