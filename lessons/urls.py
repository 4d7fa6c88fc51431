from django.urls import path

from lessons import views

app_name = "lessons"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("chapters/<slug:slug>/", views.chapter_detail, name="chapter"),
    path("chapters/<slug:slug>/done/", views.chapter_done, name="done"),
    path("chapters/<slug:slug>/assets/<str:name>", views.chapter_asset, name="asset"),
]
