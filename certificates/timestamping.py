"""RFC 3161 timestamps for PAdES B-LTA: an HTTP client for the configured TSA, and the
development TSA under the dev root (in-process by default, over HTTP under `make run`)."""

import functools
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from asn1crypto import cms, core, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .issuer import IssuerNotConfigured, issuer_paths

TIMESTAMP_QUERY = "application/timestamp-query"
TIMESTAMP_REPLY = "application/timestamp-reply"


class HttpTimeStamper(TimeStamper):
    """pyHanko's TSA client over httpx, the project's one HTTP library."""

    def __init__(self, url: str, *, timeout: float = 10.0):
        super().__init__()
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, content=req.dump(), headers={"Content-Type": TIMESTAMP_QUERY})
        except httpx.HTTPError as exc:
            raise TimestampRequestError(f"Timestamp authority {self.url} unreachable: {exc}") from exc
        if response.status_code != 200 or response.headers.get("Content-Type") != TIMESTAMP_REPLY:
            raise TimestampRequestError(f"Timestamp authority {self.url} answered {response.status_code}.")
        return tsp.TimeStampResp.load(response.content)


class DevelopmentTimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, with its RSA key parsed once: the parent class reloads
    and re-checks the key for every stamp, about 40 ms each, two stamps per certificate."""

    def __init__(self, *, tsa_cert: asn1_x509.Certificate, tsa_key: keys.PrivateKeyInfo):
        super().__init__(tsa_cert=tsa_cert, tsa_key=tsa_key)
        private_key = serialization.load_der_private_key(tsa_key.dump(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("The development timestamp authority signs with an RSA key.")
        self._private_key = private_key

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._private_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def development_tsa_load() -> DevelopmentTimeStamper:
    """The development TSA: its key and certificate under var/signing/, issued by the dev root."""
    paths = issuer_paths()
    try:
        certificate: asn1_x509.Certificate = load_cert_from_pemder(str(paths.tsa_cert))
        key: keys.PrivateKeyInfo = load_private_key_from_pemder(str(paths.tsa_key), passphrase=None)
    except FileNotFoundError as exc:
        raise IssuerNotConfigured(
            f"Missing timestamping file {exc.filename}; run `manage.py create_signing_key --if-missing` "
            "in development or set CERT_TSA_URL."
        ) from exc
    return DevelopmentTimeStamper(tsa_cert=certificate, tsa_key=key)


@functools.cache
def _timestamper(url: str, tsa_cert_path: str, mtime_ns: int) -> TimeStamper:
    # Cached per configuration: pyHanko's client measures its reply size once per instance.
    return HttpTimeStamper(url) if url else development_tsa_load()


def timestamper_load() -> TimeStamper:
    """The TSA for new signatures and document timestamps: CERT_TSA_URL, else the dev TSA."""
    if settings.CERT_TSA_URL:
        return _timestamper(settings.CERT_TSA_URL, "", 0)
    path = issuer_paths().tsa_cert
    try:
        mtime_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime_ns = 0
    return _timestamper("", str(path), mtime_ns)


# A TimeStampReq is a hash and a few fields: a few hundred bytes.
MAX_QUERY_BYTES = 16 * 1024


def timestamp_server(*, port: int) -> ThreadingHTTPServer:
    """The development TSA over HTTP on 127.0.0.1 (RFC 3161 §3.4); port 0 picks a free one."""
    authority = development_tsa_load()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw_length = self.headers.get("Content-Length", "")
            length = int(raw_length) if raw_length.isdigit() else 0
            if self.headers.get("Content-Type") != TIMESTAMP_QUERY or not 0 < length <= MAX_QUERY_BYTES:
                self.send_error(400, "Expected an application/timestamp-query body")
                return
            try:
                reply = authority.request_tsa_response(tsp.TimeStampReq.load(self.rfile.read(length))).dump()
            except ValueError:
                self.send_error(400, "Not a TimeStampReq")
                return
            self.send_response(200)
            self.send_header("Content-Type", TIMESTAMP_REPLY)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format, *args):  # one line per stamp is noise in `make run`
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)
