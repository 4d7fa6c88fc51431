from django.urls import path

from lessons import editor_views, views

app_name = "lessons"

# The home page, the chapter page and search compose several apps: tutor/pages.py.

urlpatterns = [
    path("chapters/<slug:slug>/done/", views.chapter_done, name="done"),
    path("chapters/<slug:slug>/assets/<str:name>", views.chapter_asset, name="asset"),
    path("editor/complete", editor_views.editor_complete, name="editor-complete"),
    path("editor/hover", editor_views.editor_hover, name="editor-hover"),
    path("editor/version", editor_views.editor_version, name="editor-version"),
]
