"""Schemathesis hooks of the API fuzz test (test/api-fuzz.e2e-spec.ts)."""

import json
import os
import zlib

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


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    body = case.body
    # The one body field whose valid value depends on the caller: an event's tenant_id, when given,
    # must be the tenant of the API key (the document says so; a schema cannot).
    if TENANT_ID and isinstance(body, dict) and isinstance(body.get("tenant_id"), str):
        if case.operation.path == "/v1/events" and case.meta.generation.mode.value == "positive":
            case.body = body = {**body, "tenant_id": TENANT_ID}
    if HOSTILE and isinstance(body, (dict, list, str)):
        paths = list(_strings(body))
        if paths:
            # Deterministic for a given body, so a seeded run sends the same requests each time.
            digest = zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode())
            case.body = _with_surrogate(body, paths[digest % len(paths)])
