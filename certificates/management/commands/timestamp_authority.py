"""The development RFC 3161 timestamp authority over HTTP, for `make run` (CERT_TSA_URL)."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand

from certificates.timestamping import TIMESTAMP_QUERY, TIMESTAMP_REPLY, development_tsa_load, timestamp_reply

# A TimeStampReq is a hash and a few fields: a few hundred bytes.
MAX_QUERY_BYTES = 16 * 1024


class Command(BaseCommand):
    help = "Serve the development timestamp authority (under the dev root CA) on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8766)

    def handle(self, *args, port: int, **options):
        authority = development_tsa_load()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw_length = self.headers.get("Content-Length", "")
                length = int(raw_length) if raw_length.isdigit() else 0
                if self.headers.get("Content-Type") != TIMESTAMP_QUERY or not 0 < length <= MAX_QUERY_BYTES:
                    self.send_error(400, "Expected an application/timestamp-query body")
                    return
                try:
                    reply = timestamp_reply(self.rfile.read(length), authority=authority)
                except ValueError:
                    self.send_error(400, "Not a TimeStampReq")
                    return
                self.send_response(200)
                self.send_header("Content-Type", TIMESTAMP_REPLY)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.stdout.write(f"Timestamp authority on http://127.0.0.1:{port}/")
        try:
            server.serve_forever()
        finally:
            server.server_close()
