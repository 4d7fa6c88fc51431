from django.urls import path

from quizzes.views import spaced

app_name = "review"

urlpatterns = [
    path("", spaced.review_page, name="page"),
    path("questions/<int:question_id>/answer", spaced.review_answer, name="answer"),
    path("answers/<int:review_id>/", spaced.review_answered, name="answered"),
]
