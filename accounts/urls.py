from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("instructors/", views.instructors, name="instructors"),
    path("time-zone/", views.time_zone, name="time_zone"),
]
