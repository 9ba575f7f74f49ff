from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from django.views.static import serve

from config.converters import IdConverter
from courses import views as courses_views

# Before the includes below: app URL patterns name `<id:...>`.
register_converter(IdConverter, "id")

admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("assessments.urls")),
    path("", include("certificates.urls")),
    path("", include("courses.urls")),
    path("dashboard/", courses_views.dashboard, name="dashboard"),
    # Lesson images copied by sync_content; a production web server may serve /media/ itself.
    re_path(r"^media/(?P<path>content/.+)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
