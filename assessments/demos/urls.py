from django.urls import path

from . import views
from .calibration import views as calibration_views

app_name = "demos"

# The fixed paths come before /demos/<task_slug>/; the content sync refuses those slugs.
urlpatterns = [
    path("demos/", views.demo_list, name="list"),
    path("demos/submissions/<id:submission_id>/", views.submission_detail, name="submission"),
    path("demos/submissions/<id:submission_id>/status", views.submission_status, name="submission_status"),
    path("demos/submissions/<id:submission_id>/retry", views.submission_retry, name="submission_retry"),
    path("demos/review/", views.review_queue, name="review"),
    path("demos/review/tasks/", views.review_tasks, name="review_tasks"),
    path("demos/review/tasks/<id:task_id>/regrade", views.task_regrade, name="task_regrade"),
    path("demos/review/<id:submission_id>/", views.review_detail, name="review_detail"),
    path("demos/review/<id:submission_id>/calibrate", calibration_views.example_add, name="calibration_add"),
    path("demos/review/calibration/", calibration_views.calibration_overview, name="calibration"),
    path("demos/review/calibration/stage", calibration_views.configuration_stage, name="calibration_stage"),
    path(
        "demos/review/calibration/<id:configuration_id>/",
        calibration_views.configuration_report,
        name="calibration_report",
    ),
    path("demos/<slug:task_slug>/", views.task_detail, name="task"),
    path("demos/<slug:task_slug>/inputs/<str:filename>", views.task_input, name="input"),
]
