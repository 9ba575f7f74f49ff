from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("data/", views.personal_data, name="personal_data"),
    path("close/", views.account_close_view, name="account_close"),
]

# Mounted at i18n/ by config.urls, where Django's own set_language would be.
language_urlpatterns = [
    path("setlang/", views.language_set, name="set_language"),
]
