from django.urls import path

from quizzes.views import student

app_name = "quizzes"

urlpatterns = [
    path("", student.quiz_list, name="list"),
    path("<int:quiz_id>/", student.quiz_detail, name="quiz"),
    path("<int:quiz_id>/start", student.quiz_start, name="start"),
    path("attempts/<int:attempt_id>/", student.attempt_take, name="take"),
    path(
        "attempts/<int:attempt_id>/questions/<int:question_id>/answer",
        student.attempt_answer,
        name="answer",
    ),
    path("attempts/<int:attempt_id>/finish", student.attempt_finish, name="finish"),
    path("attempts/<int:attempt_id>/review/", student.attempt_review, name="review"),
    path("questions/<int:question_id>/validate", student.manifest_validate, name="validate"),
]
