from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as accounts
from tutor import health, language, pages

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", pages.home, name="home"),
    path("chapters/<slug:slug>/", pages.chapter_detail, name="chapter"),
    path("chapters/<slug:slug>/objectives/", pages.chapter_objectives, name="objectives"),
    path("chapters/<slug:slug>/next/", pages.chapter_next_step, name="next_step"),
    path("search/", pages.search, name="search"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("language/", language.switch_language, name="switch_language"),
    # The Spanish words of static/js (locale/es/LC_MESSAGES/djangojs.po); pages not in
    # English load it before the scripts that use gettext.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/profile/", pages.profile, name="profile"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    # Before labs: workspaces owns labs/my-cluster/, which labs/<slug>/ would also match.
    path("", include("workspaces.urls")),
    path("", include("labs.urls")),
    path("", include("exercises.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("exams/", include("exams.urls")),
    path("review/", include("quizzes.spaced_urls")),
    path("instructor/quizzes/", include("quizzes.instructor_urls")),
    path("classes/", include("classes.urls")),
    path("instructor/classes/", include("classes.instructor_urls")),
    path("instructor/classes/", include("lti.instructor_urls")),
    path("lti/", include("lti.urls")),
    path("", include("lessons.urls")),
]

handler403 = "tutor.errors.permission_denied"
handler404 = "tutor.errors.page_not_found"
handler500 = "tutor.errors.server_error"
