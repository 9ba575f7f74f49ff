"""Is the course still current? Compare the model names courses use with `GET /v1/models`.

Three findings per named model (pure rules here; `model_freshness_check_run` fetches and stores):

- `not_listed`: the API no longer lists the name (retired, renamed or withdrawn for this key);
- `alias`: the name is listed but only as an alias of a more specific one, such as `x-latest`,
  or `x` next to a dated `x-0309-…` release;
- `newer_sibling`: the API lists a newer model of the same family (`grok-4.3` -> `grok-4.7`),
  newer by `created` date or, when the dates tie, by version number (4.20 reads as 4.2 < 4.3).
"""

import datetime
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from courses.api import course_models_referenced

from ..models.freshness import ModelFreshnessCheck
from .client import get_client
from .types import ModelAPIError

logger = logging.getLogger(__name__)

_VERSION = re.compile(r"^grok-(\d+)(?:[.-](\d{1,2})(?!\d))?")
_DATED = re.compile(r"(?:^|-)\d{4}(?:-|$)")


@dataclass(frozen=True)
class FreshnessFinding:
    course: str
    model: str
    problem: str  # not_listed | alias | newer_sibling
    detail: str


def _version(model: str) -> tuple[int, Decimal] | None:
    match = _VERSION.match(model)
    if not match:
        return None
    major, minor = match.groups()
    return int(major), Decimal(f"{major}.{minor or 0}")


def _is_alias(model: str, listed: Iterable[str]) -> str | None:
    """The more specific listed name this one stands for, if it is an alias."""
    if model.endswith("-latest"):
        return model.removesuffix("-latest")
    pinned = sorted(other for other in listed if other.startswith(model + "-") and _DATED.search(other[len(model) :]))
    return pinned[0] if pinned else None


def _newer_siblings(model: str, listed: Mapping[str, int]) -> list[str]:
    mine = _version(model)
    if mine is None:
        return []
    created = listed.get(model)
    newer: list[tuple[int, Decimal, str]] = []
    for other, other_created in listed.items():
        theirs = _version(other)
        if theirs is None or theirs[0] != mine[0] or other.endswith("-latest") or theirs[1] == mine[1]:
            continue
        later = other_created > created if created is not None and other_created != created else theirs[1] > mine[1]
        if later:
            newer.append((other_created, theirs[1], other))
    return [name for _, _, name in sorted(newer)]


def model_freshness_findings(
    *, named: Mapping[str, Iterable[str]], listed: Mapping[str, int]
) -> list[FreshnessFinding]:
    """`named`: course slug -> model names it uses; `listed`: model id -> `created` from /v1/models."""
    findings = []
    for course, models in named.items():
        for model in models:
            if model not in listed:
                findings.append(FreshnessFinding(course, model, "not_listed", "GET /v1/models no longer lists it"))
                continue
            target = _is_alias(model, listed)
            if target:
                findings.append(
                    FreshnessFinding(course, model, "alias", f"an alias of {target}; name the model itself")
                )
                continue  # the pinned name's own check covers its siblings
            siblings = _newer_siblings(model, listed)
            if siblings:
                findings.append(
                    FreshnessFinding(course, model, "newer_sibling", f"newer in the family: {', '.join(siblings)}")
                )
    return findings


def model_freshness_check_run(*, now: datetime.datetime) -> ModelFreshnessCheck:
    """Ask the model API which models it lists and store what that means for each course.

    A failed request is stored too (with its error), so the dashboard shows that the check ran
    and could not read the list, rather than an old result that looks current.
    """
    client = get_client()
    named = course_models_referenced()
    record = ModelFreshnessCheck(checked_at=now, base_url=client.base_url, test_mode=settings.PLATFORM_TEST_MODE)
    try:
        entries = client.list_models()
    except ModelAPIError as exc:
        logger.warning("model freshness check could not list models: %s", exc)
        record.error = f"{exc.status or ''} {exc}".strip()
    else:
        listed = {entry["id"]: int(entry.get("created") or 0) for entry in entries}
        record.listed = sorted(listed)
        record.findings = [finding.__dict__ for finding in model_freshness_findings(named=named, listed=listed)]
    with transaction.atomic():
        record.save()
    return record


def model_freshness_latest() -> ModelFreshnessCheck | None:
    return ModelFreshnessCheck.objects.order_by("-checked_at", "-id").first()
