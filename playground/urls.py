from django.urls import path

from . import views

app_name = "playground"
urlpatterns = [
    path("playground/runs/", views.run_create, name="create"),
    path("playground/runs/<int:run_id>/", views.run_status, name="status"),
]
