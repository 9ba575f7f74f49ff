"""Drives a running simulator through its control API, over HTTP (tests, benchmarks)."""

from __future__ import annotations

from typing import Any

import httpx


class SimulatorControl:
    """Drives a running simulator through its control API, over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/").removesuffix("/v1")
        self.base_url = self.url + "/v1"
        self._http = httpx.Client(base_url=self.url, timeout=10)

    def _post(self, path: str, body: Any) -> dict:
        response = self._http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def script(self, *items: dict, **item: Any) -> int:
        """Queue replies or faults: `script({"fault": "503"}, {"content": "ok"})` or `script(fault="drop")`."""
        return self._post("/_sim/script", {"items": list(items) + ([item] if item else [])})["queued"]

    def reset(self) -> None:
        self._post("/_sim/reset", {})

    def configure(self, *, latency: float | None = None, judge_mode: str | None = None) -> dict:
        """Set the latency of every generated answer and/or the judge mode ("honest" or "fooled")."""
        body = {"latency": latency, "judge_mode": judge_mode}
        return self._post("/_sim/config", {key: value for key, value in body.items() if value is not None})

    def add_replies(self, *, match: str, responses: list[dict]) -> None:
        self._post("/_sim/replies", {"match": match, "responses": responses})

    def requests(self, endpoint: str | None = None) -> list[dict]:
        """Logged model-API requests, oldest first; `endpoint` is "chat" or "responses"."""
        response = self._http.get("/_sim/requests")
        response.raise_for_status()
        logged = response.json()["requests"]
        return [entry for entry in logged if endpoint is None or entry["endpoint"] == endpoint]

    def bodies(self, endpoint: str | None = None) -> list[dict]:
        return [entry["body"] for entry in self.requests(endpoint)]

    def close(self) -> None:
        self._http.close()
