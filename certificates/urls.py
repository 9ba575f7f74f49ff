from django.urls import path

from . import renewal_views, views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.learner_list, name="list"),
    path("certificates/manage/", views.manage_list, name="manage_list"),
    path("certificates/manage/<str:credential_id>/", views.manage_detail, name="manage_detail"),
    path("certificates/manage/<str:credential_id>/revoke/", views.manage_revoke, name="manage_revoke"),
    path("certificates/manage/<str:credential_id>/reinstate/", views.manage_reinstate, name="manage_reinstate"),
    path("certificates/manage/<str:credential_id>/reissue/", views.manage_reissue, name="manage_reissue"),
    path("certificates/<str:credential_id>/download/", views.learner_download, name="download"),
    path("certificates/<str:credential_id>/renew/", renewal_views.renew, name="renew"),
    path("certificates/versions/<slug:course_slug>/", renewal_views.versions, name="versions"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/upload/", views.verify_upload, name="verify_upload"),
    path("verify/bulk/", views.verify_bulk, name="verify_bulk"),
    path("verify/root-certificate.pem", views.root_certificate, name="root_certificate"),
    path("verify/root.crl", views.revocation_list, name="revocation_list"),
    path("verify/<str:credential_id>/", views.verify_detail, name="verify_detail"),
    path("credentials/<str:credential_id>.json", views.badge_json, name="badge_json"),
    path("credentials/<str:credential_id>.jwt", views.badge_jwt, name="badge_jwt"),
    path("credentials/<str:credential_id>.png", views.badge_png, name="badge_png"),
    path("credentials/status/revocation", views.status_list, name="status_list"),
    path("issuer", views.issuer_profile, name="issuer_profile"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("api/v1/credentials:verify", views.api_credentials_verify, name="api_credentials_verify"),
    path("api/v1/credentials/<str:credential_id>", views.api_credential, name="api_credential"),
    path("api/v1/openapi.json", views.api_openapi, name="api_openapi"),
]
