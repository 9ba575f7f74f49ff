from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.modelapi.simulator import ModelSimulator


class Command(BaseCommand):
    help = "Serve the OpenAI-compatible model simulator (test mode, tests and the benchmark)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
        parser.add_argument(
            "--latency", type=float, default=0.0, help="seconds every generated answer takes (the benchmark uses 5)"
        )
        parser.add_argument(
            "--replies-from-content",
            metavar="PATH",
            help="replay the recorded responses of every demos/*/reference.yaml under PATH",
        )

    def handle(self, *args, host: str, port: int, latency: float, replies_from_content: str | None, **options):
        if replies_from_content and not Path(replies_from_content).is_dir():
            raise CommandError(f"{replies_from_content}: not a folder")
        try:
            simulator = ModelSimulator(host=host, port=port, latency=latency, replies_from=replies_from_content)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        library = len(simulator.content_library)
        self.stdout.write(
            f"Model simulator on {simulator.base_url} (latency {latency:g} s, {library} recorded demo"
            f"{'s' if library != 1 else ''}). Point XAI_BASE_URL at it. Ctrl-C stops it."
        )
        try:
            simulator.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            simulator.server.server_close()
