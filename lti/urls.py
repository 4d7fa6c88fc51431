from django.urls import path

from lti import views

app_name = "lti"

urlpatterns = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("login/<uuid:registration_uuid>/", views.oidc_init, name="login"),
    path("launch/", views.launch, name="launch"),
    path("deep-link/", views.deep_link_submit, name="deep_link"),
    path("continue/<str:token>/", views.continue_launch, name="continue"),
    path("register/", views.register, name="register"),
]
