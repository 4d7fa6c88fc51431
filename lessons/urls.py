from django.urls import path

from lessons import views

app_name = "lessons"

# The home page, the chapter page and search compose several apps: tutor/pages.py.

urlpatterns = [
    path("chapters/<slug:slug>/done/", views.chapter_done, name="done"),
    path("chapters/<slug:slug>/assets/<str:name>", views.chapter_asset, name="asset"),
]
