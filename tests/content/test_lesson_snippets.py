"""Every runnable snippet in the lessons works against the model simulator over loopback HTTP.

Python snippets (fenced ```python blocks that import httpx) run as scripts with `XAI_BASE_URL`
pointed at the simulator; curl snippets (```bash blocks) have their URL and JSON body sent to the
simulator, which refuses what the real API refuses. Each API lesson carries at least one of each.
"""

import base64
import json
import os
import re
import shlex
import subprocess
import sys

import httpx
import pytest

from .course_files import COURSE_DIR, english_lesson_paths, read_front_matter

API_LESSONS = {
    "01-fundamentals/03-secure-setup.md",
    "02-precision-prompting/03-structured-outputs.md",
    "03-tool-use/01-function-calling.md",
    "04-search/01-search-and-citations.md",
    "05-vision/01-image-inputs.md",
    "01-fundamentals/02-models-and-lifecycle.md",
    "03-tool-use/02-server-side-tools.md",
}
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
_SPLICED_IMAGE = "'\"$IMAGE_BASE64\"'"


def _snippets(language: str) -> list[tuple[str, str]]:
    found = []
    for path in english_lesson_paths():
        _, body = read_front_matter(path)
        for fence_language, code in _FENCE.findall(body):
            if fence_language == language and ("httpx" in code or "curl " in code):
                found.append((str(path.relative_to(COURSE_DIR)), code))
    return found


PYTHON = _snippets("python")
CURL = _snippets("bash")


def _curl_requests(code: str, *, image_base64: str) -> list[tuple[str, str, dict | None]]:
    """(method, url, JSON body) for each curl command in a shell snippet."""
    commands = code.replace("\\\n", " ").replace(_SPLICED_IMAGE, image_base64).splitlines()
    requests = []
    for line in commands:
        if not line.strip().startswith("curl "):
            continue
        words = shlex.split(line, posix=True)
        url = next(word for word in words if word.startswith("https://"))
        body = json.loads(words[words.index("-d") + 1]) if "-d" in words else None
        assert "Authorization: Bearer $XAI_API_KEY" in words, f"{url}: the key comes from XAI_API_KEY"
        requests.append(("POST" if body is not None else "GET", url, body))
    return requests


def test_every_api_lesson_has_runnable_python_and_curl():
    assert {where for where, _ in PYTHON} >= API_LESSONS
    assert {where for where, _ in CURL} >= API_LESSONS


@pytest.mark.parametrize(("where", "code"), PYTHON, ids=[f"{w}#{i}" for i, (w, _) in enumerate(PYTHON)])
def test_python_snippet_runs_against_the_simulator(where, code, model_simulator, settings, tmp_path):
    (tmp_path / "snippet.py").write_text(code)
    (tmp_path / "signups-chart.png").write_bytes((COURSE_DIR / "05-vision" / "signups-chart.png").read_bytes())
    environment = {**os.environ, "XAI_BASE_URL": settings.XAI_BASE_URL, "XAI_API_KEY": "xai-test-key"}
    run = subprocess.run(
        [sys.executable, "snippet.py"], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, f"{where}:\n{run.stderr}"
    assert run.stdout.strip(), f"{where}: the snippet printed nothing"
    sent = [entry for entry in model_simulator.requests() if entry.get("path", "").startswith("/v1/")]
    assert sent, f"{where}: no request reached the simulator"
    assert all(entry["headers"].get("authorization", "").startswith("Bearer") for entry in sent)


@pytest.mark.parametrize(("where", "code"), CURL, ids=[f"{w}#{i}" for i, (w, _) in enumerate(CURL)])
def test_curl_snippet_bodies_are_accepted_by_the_simulator(where, code, model_simulator, settings):
    image = base64.b64encode((COURSE_DIR / "05-vision" / "signups-chart.png").read_bytes()).decode()
    requests = _curl_requests(code, image_base64=image)
    assert requests, f"{where}: no curl command found"
    for method, url, body in requests:
        assert url.startswith("https://api.x.ai/v1/"), url
        local = settings.XAI_BASE_URL + url.removeprefix("https://api.x.ai/v1")
        headers = {"Authorization": "Bearer xai-test-key"}
        response = httpx.request(method, local, json=body, headers=headers, timeout=30)
        assert response.status_code == 200, f"{where}: {method} {url} -> {response.status_code} {response.text}"
