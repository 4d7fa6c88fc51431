from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = "Classes"

    def ready(self) -> None:
        # labs sits below classes, so it cannot ask whether a class turned lab
        # solutions off: classes tells it, once the apps are loaded. In the same way
        # quizzes, labs and exams ask core.policy for a class's rules; this app answers.
        from classes.policies import exam_rules_for_student, rules_for_student
        from classes.selectors import lab_solutions_refusal
        from core import policy
        from labs import hints

        hints.add_reveal_gate(lab_solutions_refusal)
        policy.register(rules_for_student)
        policy.register_exams(exam_rules_for_student)
