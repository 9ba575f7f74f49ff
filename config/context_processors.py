from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {
        "PLATFORM_TEST_MODE": settings.PLATFORM_TEST_MODE,
        "SITE_URL": settings.SITE_URL,
        "COURSE_CONTENT_LANGUAGE": settings.COURSE_CONTENT_LANGUAGE,
    }
