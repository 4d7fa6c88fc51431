from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = "Classes"

    def ready(self) -> None:
        # Quizzes, labs and exams ask core.policy for a class's rules; this app answers.
        from classes.policies import exam_rules_for_student, rules_for_student
        from core import policy

        policy.register(rules_for_student)
        policy.register_exams(exam_rules_for_student)
