from django.urls import path

from lti import views

app_name = "lti_instructor"

urlpatterns = [
    path("<int:pk>/lms/", views.cohort_lms, name="cohort"),
    path("<int:pk>/lms/roster", views.roster_sync, name="roster_sync"),
    path("<int:pk>/lms/scores/<int:score_id>/resend", views.score_resend, name="score_resend"),
]
