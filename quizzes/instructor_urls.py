from django.urls import path

from quizzes.views import instructor

app_name = "instructor"

urlpatterns = [
    path("", instructor.quiz_list, name="list"),
    path("new/", instructor.quiz_create, name="create"),
    path("import/", instructor.quiz_import, name="import"),
    path("<int:quiz_id>/", instructor.quiz_edit, name="quiz"),
    path("<int:quiz_id>/publish", instructor.quiz_publish, name="publish"),
    path("<int:quiz_id>/export.yaml", instructor.quiz_export, name="export"),
    path("<int:quiz_id>/statistics/", instructor.quiz_statistics, name="statistics"),
    path("<int:quiz_id>/statistics.csv", instructor.quiz_statistics_csv, name="statistics_csv"),
    path("<int:quiz_id>/questions/new/", instructor.question_edit, name="question_new"),
    path("<int:quiz_id>/questions/preview", instructor.question_preview, name="preview"),
    path("<int:quiz_id>/questions/check", instructor.question_check, name="question_check_new"),
    path("<int:quiz_id>/questions/new/form/", instructor.question_form, name="question_form_new"),
    path(
        "<int:quiz_id>/questions/<int:question_id>/check",
        instructor.question_check,
        name="question_check",
    ),
    path(
        "<int:quiz_id>/questions/<int:question_id>/form/",
        instructor.question_form,
        name="question_form",
    ),
    path("<int:quiz_id>/questions/<int:question_id>/", instructor.question_edit, name="question"),
    path(
        "<int:quiz_id>/questions/<int:question_id>/preview",
        instructor.question_preview,
        name="question_preview",
    ),
    path(
        "<int:quiz_id>/questions/<int:question_id>/publish",
        instructor.question_publish,
        name="question_publish",
    ),
]
