from django.core.management.base import BaseCommand

from certificates.timestamping import timestamp_server


class Command(BaseCommand):
    help = (
        "Serve the development RFC 3161 timestamp authority (under the dev root CA) on 127.0.0.1, "
        "for CERT_TSA_URL under `make run`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8766)

    def handle(self, *args, port: int, **options):
        server = timestamp_server(port=port)
        self.stdout.write(f"Timestamp authority on http://127.0.0.1:{server.server_address[1]}/")
        try:
            server.serve_forever()
        finally:
            server.server_close()
