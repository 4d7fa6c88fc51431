from django.urls import path

from lessons import views

app_name = "lessons"

# The home page and the chapter page compose several apps: tutor/pages.py.

urlpatterns = [
    path("search/", views.search, name="search"),
    path("chapters/<slug:slug>/done/", views.chapter_done, name="done"),
    path("chapters/<slug:slug>/assets/<str:name>", views.chapter_asset, name="asset"),
]
