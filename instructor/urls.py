from django.urls import path

from . import views

app_name = "instructor"
urlpatterns = [path("instructor/", views.home, name="home")]
