from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = "Classes"

    def ready(self) -> None:
        # labs sits below classes, so it cannot ask whether a class turned lab
        # solutions off: classes tells it, once the apps are loaded.
        from classes.selectors import lab_solutions_refusal
        from labs import hints

        hints.add_reveal_gate(lab_solutions_refusal)
