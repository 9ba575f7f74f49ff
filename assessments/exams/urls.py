from django.urls import path

from . import views

app_name = "exams"

urlpatterns = [
    path("exams/<slug:course_slug>/", views.course_assessments, name="course"),
    path("exams/<slug:course_slug>/<slug:exam_slug>/", views.exam_detail, name="exam"),
    path("exams/<slug:course_slug>/<slug:exam_slug>/start/", views.exam_start, name="start"),
    path("exams/<slug:course_slug>/<slug:exam_slug>/results/", views.exam_results, name="results"),
    path("exams/<slug:course_slug>/<slug:exam_slug>/items/", views.exam_items, name="items"),
    path("exams/<slug:course_slug>/<slug:exam_slug>/accommodations/", views.exam_accommodations, name="accommodations"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/status", views.attempt_status, name="status"),
    path("attempts/<uuid:attempt_id>/answer/", views.attempt_answer, name="answer"),
    path("attempts/<uuid:attempt_id>/flag/", views.attempt_flag, name="flag"),
    path("attempts/<uuid:attempt_id>/submit/", views.attempt_submit, name="submit"),
    path("attempts/<uuid:attempt_id>/result/", views.attempt_result, name="result"),
    path("attempts/<uuid:attempt_id>/log/", views.attempt_log, name="attempt_log"),
    # Before the slug route, which a UUID would also match.
    path("practice/quiz/<uuid:practice_id>/", views.practice_attempt, name="practice_attempt"),
    # Before the module route, which "weak-spots" would also match.
    path("practice/<slug:course_slug>/weak-spots/", views.weak_spots, name="weak_spots"),
    path("practice/<slug:course_slug>/<slug:module_slug>/", views.practice_intro, name="practice"),
]
