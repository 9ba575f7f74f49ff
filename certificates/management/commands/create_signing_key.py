from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from certificates import issuer
from certificates.services import signing_key_activate


class Command(BaseCommand):
    help = (
        "Make the development certificate issuer under var/signing/: a self-signed root CA and an EC P-256 "
        "signing certificate issued by it, registered as the active signing key. Production keys come from "
        "CERT_SIGNING_KEY_PATH / CERT_SIGNING_CERT_PATH / CERT_ROOT_CERT_PATH instead."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--if-missing", action="store_true", help="Do nothing when the issuer files exist.")
        group.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the signing key under the same root; certificates signed earlier keep verifying.",
        )

    def handle(self, *args, if_missing: bool, rotate: bool, **options):
        paths = issuer.issuer_paths()
        exists = issuer.development_issuer_exists(paths)
        now = timezone.now()
        if rotate:
            if not exists:
                raise CommandError("There is no issuer to rotate yet; run create_signing_key first.")
            try:
                issuer.development_signing_key_rotate(paths, now=now)
            except issuer.IssuerNotConfigured as exc:
                raise CommandError(str(exc)) from exc
            action = "Rotated the signing key"
        elif exists:
            if not if_missing:
                raise CommandError(f"A signing key already exists at {paths.key}; use --rotate to replace it.")
            action = "Signing key already present"
        else:
            issuer.development_issuer_create(paths, now=now)
            action = "Created a development root CA, timestamp authority and signing key"
        if not issuer.development_timestamping_exists(paths) and paths.root_key.exists():
            # Issuers made before timestamping get their TSA and CRL under the same root.
            issuer.development_timestamping_create(paths, now=now)
        key = signing_key_activate(signer=issuer.signer_load())
        self.stdout.write(self.style.SUCCESS(f"{action}: kid {key.kid}"))
        self.stdout.write(f"  key  {paths.key}\n  cert {paths.cert}\n  root {paths.root}\n  tsa  {paths.tsa_cert}")
