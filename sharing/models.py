from django.conf import settings
from django.db import models


class CertificateProfile(models.Model):
    """The learner's choice to show one certificate on a public profile page.

    Keyed by the credential ID rather than a foreign key: `certificates` owns its models and
    this app reads them only through `certificates.api`. No row means the page is off.
    """

    credential_id = models.CharField(max_length=13, unique=True)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_public = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
