"""The OpenAPI 3.1 description of the public verification API, served at /api/v1/openapi.json.

Its schemas are JSON Schema 2020-12; the tests validate real responses against them, so
the document cannot drift from the code.
"""

from django.conf import settings

from .models import Certificate
from .verification import CredentialStatus

_DATE = {"type": "string", "format": "date"}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

CREDENTIAL_RECORD_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "credential_id",
        "status",
        "status_label",
        "valid",
        "holder_name",
        "course",
        "issued_on",
        "expires_on",
        "revoked_on",
        "revocation_reason",
        "superseded_by",
        "test_mode",
        "demos_passed",
        "pdf_sha256",
        "verification_url",
        "issuer",
    ],
    "properties": {
        "credential_id": {"type": "string", "pattern": "^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]$"},
        "status": {
            "type": "string",
            "enum": [status.value for status in CredentialStatus],
            "description": "`valid` only when the certificate is current, unrevoked, unexpired and not from test mode.",
        },
        "status_label": {"type": "string"},
        "valid": {"type": "boolean", "description": "True exactly when status is `valid`."},
        "holder_name": {"type": "string", "description": "The name printed on the certificate."},
        "course": {
            "type": "object",
            "additionalProperties": False,
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
        },
        "issued_on": _DATE,
        "expires_on": _NULLABLE_DATE,
        "revoked_on": _NULLABLE_DATE,
        "revocation_reason": {"type": ["string", "null"], "enum": [*Certificate.RevocationReason.values, None]},
        "superseded_by": {"type": ["string", "null"], "description": "Credential id of the replacement."},
        "test_mode": {"type": "boolean"},
        "demos_passed": {"type": "array", "items": {"type": "string"}},
        "pdf_sha256": {
            "type": ["string", "null"],
            "pattern": "^[0-9a-f]{64}$",
            "description": "SHA-256 of the signed PDF as issued; null while it is being prepared.",
        },
        "verification_url": {"type": "string", "format": "uri"},
        "issuer": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "url"],
            "properties": {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
        },
    },
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {
            "type": "string",
            "enum": [
                "invalid_credential_id",
                "not_found",
                "rate_limited",
                "method_not_allowed",
                "invalid_request",
                "too_large",
            ],
        },
        "detail": {"type": "string"},
        "mistyped": {"type": "boolean", "description": "The id has the right shape but fails its check character."},
    },
}


# As the API reads ids: case, hyphens and spaces are forgiven, I/L stand for 1 and O for 0,
# so the pattern admits what a person may type; a wrong check character is a 400.
LOOSE_ID_PATTERN = "^[0-9A-Za-z*~$= -]{13,40}$"

BULK_REQUEST_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["credential_ids"],
    "properties": {
        "credential_ids": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {"type": "string", "maxLength": 40},
        }
    },
}

BULK_FILES_SCHEMA = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {"type": "string", "contentMediaType": "application/pdf"},
            "description": "Certificate PDFs (or baked badge PNGs), up to 20.",
        }
    },
}

BULK_ROW_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["submitted", "credential_id", "holder_name", "course", "status", "verdict", "verdict_label"],
    "properties": {
        "submitted": {"type": "string", "description": "The id or file name as sent."},
        "credential_id": {"type": ["string", "null"]},
        "holder_name": {"type": ["string", "null"]},
        "course": {"type": ["string", "null"]},
        "status": {"type": ["string", "null"], "enum": [*(status.value for status in CredentialStatus), None]},
        "verdict": {
            "type": "string",
            "description": "For ids: the status, `not_found` or `invalid_credential_id`. For files: the upload "
            "verdict (`authentic`, `altered`, `not_issued`, `revoked`, `expired`, `superseded`, `test_mode`).",
        },
        "verdict_label": {"type": "string"},
    },
}


def _error(description: str) -> dict:
    return {"description": description, "content": _json_ref("Error")}


def _cors_headers() -> dict:
    return {"Access-Control-Allow-Origin": {"description": "Always `*`.", "schema": {"type": "string"}}}


def _allow_header() -> dict:
    return {"Allow": {"description": "The methods this path answers.", "schema": {"type": "string"}}}


def _common_responses() -> dict:
    return {
        "405": {**_error("Another method than the ones listed."), "headers": _allow_header()},
        "429": {
            **_error("Too many requests from this address."),
            "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
        },
    }


def _options(summary: str) -> dict:
    return {
        "summary": summary,
        "responses": {"204": {"description": "CORS preflight: no body.", "headers": _allow_header()}},
    }


def _json_ref(schema: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": f"{settings.CERT_ISSUER_NAME} credential verification API",
            "version": "1.0.0",
            "description": (
                "Look up the current status of a certificate by its credential id, for applicant tracking "
                "systems. No authentication. Returns only what the certificate prints, never e-mail addresses. "
                f"Rate limit: {settings.CERT_API_RATE_LIMIT} requests per {settings.CERT_API_RATE_WINDOW} s per IP."
            ),
        },
        "servers": [{"url": settings.SITE_URL}],
        "paths": {
            "/api/v1/credentials/{credential_id}": {
                "parameters": [
                    {
                        "name": "credential_id",
                        "in": "path",
                        "required": True,
                        "description": (
                            "As printed, e.g. 7K3M-9Q2W-X4RT-8; case, hyphens, I/L for 1 and O for 0 are forgiven."
                        ),
                        "schema": {"type": "string", "pattern": LOOSE_ID_PATTERN},
                    }
                ],
                "get": {
                    "operationId": "getCredential",
                    "summary": "Current status of a certificate (HEAD answers the same without a body)",
                    "responses": {
                        "200": {
                            "description": "The certificate and its current status.",
                            "headers": _cors_headers(),
                            "content": _json_ref("CredentialRecord"),
                        },
                        "400": _error("Not a credential id, or one character is mistyped (check character fails)."),
                        "404": _error("No certificate has this id."),
                        **_common_responses(),
                    },
                },
                "head": {
                    "operationId": "headCredential",
                    "summary": "As GET, headers only",
                    "responses": {
                        "200": {"description": "The certificate exists.", "headers": _cors_headers()},
                        "400": {"description": "Not a credential id."},
                        "404": {"description": "No certificate has this id."},
                        "429": {"description": "Too many requests from this address."},
                    },
                },
                "options": {"operationId": "credentialOptions", **_options("CORS preflight")},
            },
            "/api/v1/credentials:verify": {
                "post": {
                    "operationId": "verifyCredentials",
                    "summary": "Verify up to 100 ids, or up to 20 certificate PDFs, in one request",
                    "description": (
                        f"Rate limit: {settings.CERT_BULK_RATE_LIMIT} requests per "
                        f"{settings.CERT_BULK_RATE_WINDOW} s per IP. Results come in the order submitted."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/BulkRequest"}},
                            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/BulkFiles"}},
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One result per id or file.",
                            "headers": _cors_headers(),
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["results"],
                                        "properties": {
                                            "results": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/BulkResult"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "400": _error("Not JSON, no ids or files, too many, or a file that is not a PDF."),
                        "413": _error("The request is larger than 20 files of the upload size limit."),
                        **_common_responses(),
                    },
                },
                "options": {"operationId": "verifyOptions", **_options("CORS preflight")},
            },
        },
        "components": {
            "schemas": {
                "CredentialRecord": CREDENTIAL_RECORD_SCHEMA,
                "Error": ERROR_SCHEMA,
                "BulkRequest": BULK_REQUEST_SCHEMA,
                "BulkFiles": BULK_FILES_SCHEMA,
                "BulkResult": BULK_ROW_SCHEMA,
            }
        },
    }
