from django.urls import path

from exams import views

app_name = "exams"

urlpatterns = [
    path("", views.exam_list, name="list"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/flag", views.attempt_flag, name="flag"),
    path("attempts/<int:pk>/submit", views.attempt_submit, name="submit"),
    path("attempts/<int:pk>/answer", views.attempt_answer, name="answer"),
    path("<slug:slug>/", views.exam_detail, name="exam"),
    path("<slug:slug>/start", views.exam_start, name="start"),
]
