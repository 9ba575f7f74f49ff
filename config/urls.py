from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path, register_converter

from accounts.urls import language_urlpatterns
from config.converters import IdConverter
from courses import views as courses_views

# Before the includes below: app URL patterns name `<id:...>`.
register_converter(IdConverter, "id")

# allauth documents wrapping the admin login this way, so the admin honours MFA and rate limits.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include(language_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("assessments.urls")),
    path("", include("certificates.urls")),
    path("", include("courses.urls")),
    path("", include("instructor.urls")),
    path("", include("sharing.urls")),
    path("", include("playground.urls")),
    path("dashboard/", courses_views.dashboard, name="dashboard"),
    # Lesson images copied by sync_content, and nothing else under MEDIA_ROOT: certificate PDFs
    # are served only to their owner (certificates:download). A production web server may serve
    # /media/content/ itself, never the whole of MEDIA_ROOT.
    re_path(
        r"^media/content/(?P<course_slug>[a-z0-9-]+)/(?P<module_slug>[a-z0-9-]+)/(?P<filename>[^/\\\x00]+)$",
        courses_views.lesson_asset,
    ),
]
