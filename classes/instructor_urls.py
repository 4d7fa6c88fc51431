from django.urls import path

from classes.views import instructor

app_name = "classes_instructor"

urlpatterns = [
    path("", instructor.cohort_list, name="list"),
    path("new/", instructor.cohort_create, name="create"),
    path("<int:pk>/", instructor.cohort_detail, name="cohort"),
    path("<int:pk>/gradebook.csv", instructor.gradebook_csv_view, name="gradebook_csv"),
    path("<int:pk>/gradebook.json", instructor.gradebook_json_view, name="gradebook_json"),
    path("<int:pk>/code/rotate", instructor.code_rotate, name="code_rotate"),
    path("<int:pk>/code/expiry", instructor.code_expiry, name="code_expiry"),
    path("<int:pk>/end", instructor.cohort_end, name="end"),
    path("<int:pk>/reopen", instructor.cohort_reopen, name="reopen"),
    path("<int:pk>/quota", instructor.cohort_quota, name="quota"),
    path("<int:pk>/lab-solutions", instructor.cohort_lab_solutions, name="lab_solutions"),
    path("<int:pk>/namespaces/provision", instructor.namespaces_provision, name="provision"),
    path("<int:pk>/namespaces/cleanup", instructor.namespaces_cleanup, name="cleanup"),
    path("<int:pk>/namespaces/runs", instructor.namespace_runs, name="namespace_runs"),
    path("<int:pk>/instructors/add", instructor.instructor_add, name="instructor_add"),
    path("<int:pk>/regrade-lab", instructor.lab_regrade, name="lab_regrade"),
    path("<int:pk>/rules/", instructor.policy_save, name="policy_save"),
    path("<int:pk>/exams/", instructor.exam_schedule, name="exam_schedule"),
    path(
        "<int:pk>/exams/<int:schedule_id>/delete",
        instructor.exam_unschedule,
        name="exam_unschedule",
    ),
    path(
        "<int:pk>/exams/<int:schedule_id>/extension",
        instructor.exam_extension,
        name="exam_extension",
    ),
    path(
        "<int:pk>/exam-attempts/<int:attempt_id>/",
        instructor.exam_attempt_detail,
        name="exam_attempt",
    ),
    path("<int:pk>/rules/<int:policy_id>/delete", instructor.policy_delete, name="policy_delete"),
    path("<int:pk>/invitations/new", instructor.invitation_create, name="invitation_create"),
    path(
        "<int:pk>/invitations/<int:invitation_id>/revoke",
        instructor.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<int:pk>/live/", instructor.live, name="live"),
    path("<int:pk>/students/<int:user_id>/", instructor.student_detail, name="student"),
    path(
        "<int:pk>/students/<int:user_id>/timeline/",
        instructor.student_timeline,
        name="timeline",
    ),
    path(
        "<int:pk>/students/<int:user_id>/terminal/",
        instructor.student_terminal,
        name="student_terminal",
    ),
    path("<int:pk>/students/<int:user_id>/remove", instructor.member_remove, name="remove"),
    path(
        "<int:pk>/submissions/<int:submission_id>/", instructor.submission_detail, name="submission"
    ),
    path(
        "<int:pk>/submissions/<int:submission_id>/regrade",
        instructor.submission_regrade,
        name="regrade",
    ),
]
