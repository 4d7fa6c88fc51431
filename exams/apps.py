from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "Timed practice exams"

    def ready(self) -> None:
        # During an exam the student works in its namespace (the terminal opens there):
        # workspaces sits below exams, so exams tells it.
        from exams.selectors import active_exam_workspace
        from workspaces.resolve import register_current

        register_current(active_exam_workspace)
