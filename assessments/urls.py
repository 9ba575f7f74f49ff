from django.urls import include, path

urlpatterns = [
    path("", include("assessments.exams.urls")),
    path("", include("assessments.demos.urls")),
]
