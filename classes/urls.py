from django.urls import path

from classes.views import student

app_name = "classes"

urlpatterns = [
    path("", student.my_classes, name="mine"),
    path("join", student.join, name="join"),
    path("<int:pk>/leave", student.leave, name="leave"),
    path("invitations/<str:token>/", student.invitation, name="invitation"),
]
