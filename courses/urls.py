from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/", views.catalog, name="catalog"),
    path("courses/<slug:course_slug>/", views.course_overview, name="course"),
    path("courses/<slug:course_slug>/resume/", views.course_resume, name="resume"),
    path("courses/<slug:course_slug>/<slug:module_slug>/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path(
        "courses/<slug:course_slug>/<slug:module_slug>/<slug:lesson_slug>/complete/",
        views.lesson_complete,
        name="lesson_complete",
    ),
]
