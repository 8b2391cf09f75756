"""Schemathesis hooks of the API fuzz test (test/api-fuzz.e2e-spec.ts)."""

import json
import re
import os
import zlib
from datetime import datetime, timezone

import requests.adapters
import schemathesis

TENANT_ID = os.environ.get("HERALD_FUZZ_TENANT_ID", "")
HOSTILE = os.environ.get("HERALD_FUZZ_HOSTILE") == "1"
# A lone UTF-16 surrogate, as a JavaScript or Java client can send: the escape \ud800 in a JSON
# string. Schemathesis generates UTF-8 text only, and validates every case it sends against the
# document as UTF-8, so the hostile pass adds this marker to the case and swaps it for the escape
# in the request's bytes.
LONE_SURROGATE = "<lone-surrogate>"
LONE_SURROGATE_ESCAPE = b"\\ud800"

_send = requests.adapters.HTTPAdapter.send


def _send_with_surrogates(self, request, *args, **kwargs):
    if isinstance(request.body, bytes) and LONE_SURROGATE.encode() in request.body:
        request.body = request.body.replace(LONE_SURROGATE.encode(), LONE_SURROGATE_ESCAPE)
        request.headers["Content-Length"] = str(len(request.body))
    return _send(self, request, *args, **kwargs)


if HOSTILE:
    requests.adapters.HTTPAdapter.send = _send_with_surrogates


def _strings(value, path=()):
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _with_surrogate(body, path):
    if not path:
        return body + LONE_SURROGATE
    head, *rest = path
    copy = dict(body) if isinstance(body, dict) else list(body)
    copy[head] = _with_surrogate(body[head], tuple(rest))
    return copy


# A transformation the document gives as its example; see _prose_rules.
TRANSFORMATION = '{"event_id": event.type, "payload": event.data}'
FILTER = {"data.meter_id": {"$exists": True}}
# Valid for every HTTP kind (an oauth2_webhook's own Authorization is Herald's to set).
HEADERS_TEXT = '{"X-Api-Token": "abc"}'


def _positive(case):
    return case.meta is not None and case.meta.generation.mode.value == "positive"


def _time(text):
    try:
        parsed = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else None


RETENTION_UNITS_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def _duration_in_range(text, low_ms, high_ms):
    matched = re.fullmatch(r"(\d+)(ms|s|m|h|d)", text)
    if not matched:
        return True  # not the API's duration form: the document refuses it too
    ms = int(matched.group(1)) * RETENTION_UNITS_MS[matched.group(2)]
    return low_ms <= ms <= high_ms


def _retention_in_range(text):
    return _duration_in_range(text, 1_000, 3650 * 86_400_000)


def _prose_rules(case):
    """
    Makes a positive case keep the rules the document states in words, which no JSON Schema can
    check, so that a refusal of one is not taken for a disagreement: a cursor is one a previous
    page returned, `until` is later than `since`, a JSON page of deliveries holds at most 100, a
    recovery does not start in the future, a transformation is a JSONata expression that compiles,
    a filter is a predicate in Herald's filter language, webhook headers given as a string are
    the JSON text of the headers object (`contentSchema`, which JSON Schema does not check), a
    tenant's retention is from 1s to 3650d and a console session's `expires_in` from 5m to 30d
    (the pattern cannot bound a number across units).
    """
    if case.query and "cursor" in case.query:
        case.query = {name: value for name, value in case.query.items() if name != "cursor"}
    query = case.query
    if query and str(query.get("limit", "")).isdigit() and int(query["limit"]) > 100:
        if query.get("format") != "csv":
            case.query = {**query, "limit": 100}
    for part in ("query", "body"):
        values = getattr(case, part)
        if isinstance(values, dict):
            since, until = _time(values.get("since")), _time(values.get("until"))
            if since and until and until <= since:
                setattr(case, part, {name: value for name, value in values.items() if name != "until"})
    body = case.body
    if not isinstance(body, dict):
        return
    since = _time(body.get("since"))
    if case.operation.path.endswith("/recover") and since and since > datetime.now(timezone.utc):
        case.body = body = {**body, "since": "2000-01-01T00:00:00Z"}
    if isinstance(body.get("transformation"), str):
        case.body = body = {**body, "transformation": TRANSFORMATION}
    if isinstance(body.get("filter"), dict):
        case.body = body = {**body, "filter": FILTER}
    if isinstance(body.get("retention"), str) and not _retention_in_range(body["retention"]):
        case.body = body = {**body, "retention": "90d"}
    expires_in = body.get("expires_in")
    if isinstance(expires_in, str) and not _duration_in_range(expires_in, 300_000, 30 * 86_400_000):
        case.body = body = {**body, "expires_in": "1h"}
    destination = body.get("destination")
    if isinstance(destination, dict) and isinstance(destination.get("headers"), str):
        case.body = {**body, "destination": {**destination, "headers": HEADERS_TEXT}}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if _positive(case):
        _prose_rules(case)
    body = case.body
    # The one body field whose valid value depends on the caller: an event's tenant_id, when given,
    # must be the tenant of the API key (the document says so; a schema cannot).
    if TENANT_ID and isinstance(body, dict) and isinstance(body.get("tenant_id"), str):
        if case.operation.path == "/v1/events" and _positive(case):
            case.body = body = {**body, "tenant_id": TENANT_ID}
    # Console links: the operator must name the tenant, and a tenant key may name only its own, so
    # a positive case names the fuzzed tenant (whoever calls).
    if TENANT_ID and _positive(case) and case.operation.path.startswith("/v1/console-sessions"):
        if case.method.upper() == "POST" and case.operation.path != "/v1/console-sessions/exchange":
            # The body is optional; a case without one gets one, as JSON.
            case.body = body = {**(body if isinstance(body, dict) else {}), "tenant_id": TENANT_ID}
            case.media_type = case.media_type or "application/json"
        if case.method.upper() == "GET" and isinstance(case.query, dict) and "tenant_id" in case.query:
            case.query = {**case.query, "tenant_id": TENANT_ID}
    if HOSTILE and isinstance(body, (dict, list, str)):
        paths = list(_strings(body))
        if paths:
            # Deterministic for a given body, so a seeded run sends the same requests each time.
            digest = zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode())
            case.body = _with_surrogate(body, paths[digest % len(paths)])


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """A redrive of ids that are no dead letters of the tenant's is refused, as the document says."""
    refused_ids = (
        case.operation.path == "/v1/dead-letters/redrive"
        and response.status_code == 422
        and '"message":"is not a dead letter"' in response.text
    )
    return not (refused_ids and type(failure).__name__ == "RejectedPositiveData")
