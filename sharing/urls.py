from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("profile/<str:credential_id>/", views.profile_page, name="profile"),
    path("profile/<str:credential_id>/visibility/", views.profile_toggle, name="toggle"),
    path("certificates/<str:credential_id>/preview.png", views.pdf_preview, name="preview"),
]
