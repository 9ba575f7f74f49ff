"""The platform's signing identity: key files, the per-process signer, the trusted roots.

Production supplies a key and certificate issued by an offline root (paths in the
environment); `manage.py create_signing_key` makes a development issuer of the same
shape under `var/signing/`: a self-signed root CA and an EC P-256 signing certificate.
"""

import datetime
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from joserfc.jwk import ECKey
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.signers import SimpleSigner

ROOT_VALIDITY = datetime.timedelta(days=20 * 365)
SIGNING_VALIDITY = datetime.timedelta(days=5 * 365)


class IssuerNotConfigured(RuntimeError):
    """The signing key or certificate files are missing or unreadable."""


@dataclass(frozen=True)
class IssuerPaths:
    key: Path
    cert: Path
    root: Path

    @property
    def root_key(self) -> Path:
        # Only the development issuer keeps its root key beside the certificates;
        # a production root stays offline.
        return self.root.with_name("root-key.pem")


def issuer_paths() -> IssuerPaths:
    return IssuerPaths(
        key=Path(settings.CERT_SIGNING_KEY_PATH),
        cert=Path(settings.CERT_SIGNING_CERT_PATH),
        root=Path(settings.CERT_ROOT_CERT_PATH),
    )


def _public_key(certificate: x509.Certificate) -> ECKey:
    return ECKey.import_key(
        certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def key_id(certificate_pem: str) -> str:
    """RFC 7638 thumbprint of the certificate's public key: stable and derivable anywhere."""
    return _public_key(x509.load_pem_x509_certificate(certificate_pem.encode())).thumbprint()


def key_id_der(certificate_der: bytes) -> str:
    return _public_key(x509.load_der_x509_certificate(certificate_der)).thumbprint()


def public_jwk(certificate_pem: str) -> dict:
    return dict(_public_jwk(certificate_pem))


@functools.lru_cache(maxsize=64)
def _public_jwk(certificate_pem: str) -> dict:
    # Once per process and key: /.well-known/jwks.json lists every key on each request.
    key = _public_key(x509.load_pem_x509_certificate(certificate_pem.encode()))
    return {**key.as_dict(private=False), "kid": key.thumbprint(), "use": "sig", "alg": "ES256"}


# --- Development issuer ---------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.CERT_ISSUER_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_certificate(path: Path, certificate: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def make_root(*, common_name: str, now: datetime.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def make_signing_certificate(
    *, root_key: ec.EllipticCurvePrivateKey, root: x509.Certificate, now: datetime.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{settings.CERT_ISSUER_NAME} certificate signing {now:%Y-%m-%d %H%M%S}"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + SIGNING_VALIDITY, root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return key, certificate


def development_issuer_exists(paths: IssuerPaths) -> bool:
    return paths.key.exists() and paths.cert.exists() and paths.root.exists()


def development_issuer_create(paths: IssuerPaths, *, now: datetime.datetime) -> str:
    """A new root CA and signing key; returns the signing certificate's PEM."""
    root_key, root = make_root(common_name=f"{settings.CERT_ISSUER_NAME} development root CA", now=now)
    _write_private(paths.root_key, root_key)
    _write_certificate(paths.root, root)
    return development_signing_key_rotate(paths, now=now)


def development_signing_key_rotate(paths: IssuerPaths, *, now: datetime.datetime) -> str:
    """A new signing key under the existing development root; the old files are kept aside."""
    if not (paths.root.exists() and paths.root_key.exists()):
        raise IssuerNotConfigured(f"Rotation needs the development root at {paths.root} and {paths.root_key}.")
    root_key = serialization.load_pem_private_key(paths.root_key.read_bytes(), password=None)
    if not isinstance(root_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{paths.root_key} is not an elliptic-curve key; the development root is always one.")
    root = x509.load_pem_x509_certificate(paths.root.read_bytes())
    if paths.cert.exists():
        retired = paths.cert.parent / "retired"
        retired.mkdir(exist_ok=True)
        old_kid = key_id(paths.cert.read_text())
        paths.cert.rename(retired / f"{old_kid}-cert.pem")
        if paths.key.exists():
            paths.key.rename(retired / f"{old_kid}-key.pem")
    key, certificate = make_signing_certificate(root_key=root_key, root=root, now=now)
    _write_private(paths.key, key)
    _write_certificate(paths.cert, certificate)
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


# --- The signer, loaded once per process ------------------------------------------------


@dataclass(frozen=True)
class LoadedSigner:
    kid: str
    certificate_pem: str
    pdf_signer: SimpleSigner
    jwk: ECKey


# Keyed by the files' paths and modification times: a worker loads the key once and
# only again when the files are replaced (a rotation), never per document.
_signer_cache: dict[tuple, LoadedSigner] = {}
_roots_cache: dict[tuple, tuple[asn1_x509.Certificate, ...]] = {}


def _stamp(*paths: Path) -> tuple:
    try:
        return tuple((str(path), path.stat().st_mtime_ns) for path in paths)
    except FileNotFoundError as exc:
        raise IssuerNotConfigured(
            f"Missing signing file {exc.filename}; run `manage.py create_signing_key` in development "
            "or set CERT_SIGNING_KEY_PATH, CERT_SIGNING_CERT_PATH and CERT_ROOT_CERT_PATH."
        ) from exc


def signer_load() -> LoadedSigner:
    paths = issuer_paths()
    stamp = _stamp(paths.key, paths.cert, paths.root)
    loaded = _signer_cache.get(stamp)
    if loaded is not None:
        return loaded
    passphrase = settings.CERT_SIGNING_KEY_PASSPHRASE.encode() or None
    pdf_signer = SimpleSigner.load(
        str(paths.key), str(paths.cert), ca_chain_files=(str(paths.root),), key_passphrase=passphrase
    )
    if pdf_signer is None:
        raise IssuerNotConfigured(f"Could not load the signing key {paths.key} with the certificate {paths.cert}.")
    certificate_pem = paths.cert.read_text()
    private_key = serialization.load_pem_private_key(paths.key.read_bytes(), password=passphrase)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or private_key.curve.name != "secp256r1":
        raise IssuerNotConfigured("The signing key must be an EC P-256 key.")
    jwk = ECKey.import_key(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    loaded = LoadedSigner(kid=key_id(certificate_pem), certificate_pem=certificate_pem, pdf_signer=pdf_signer, jwk=jwk)
    _signer_cache.clear()
    _signer_cache[stamp] = loaded
    return loaded


def trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    """Every root in CERT_ROOT_CERT_PATH (a PEM file may hold several after a root change)."""
    path = issuer_paths().root
    stamp = _stamp(path)
    roots = _roots_cache.get(stamp)
    if roots is None:
        roots = tuple(load_certs_from_pemder([str(path)]))
        _roots_cache.clear()
        _roots_cache[stamp] = roots
    return roots
