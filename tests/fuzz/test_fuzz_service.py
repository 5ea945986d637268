"""Fuzz: bad requests to the HTTP service (``wrp serve``) through the ASGI test client. Every answer is
200 or a 4xx with one JSON error — a one-line message and, for a profile, the JSON pointer of the
field — never a 5xx, a traceback or an "internal error". ``WRP_FUZZ_LONG=1`` runs many more."""

from __future__ import annotations

import copy
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.gen import corrupt, hostile, nest, to_yaml
from tests.fuzz.harness import LONG
from tests.generate import ORDINARY

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from solver.service import create_app  # noqa: E402

EXAMPLES = int(os.environ.get("WRP_FUZZ_EXAMPLES", 1500 if LONG else 30))
NAMES = sorted(ORDINARY)
ENDPOINTS = ["/api/check", "/api/explain", "/api/materials", "/api/deadlines", "/api/check?district=all",
             "/api/check?date=9999-12-31", "/api/check?lang=zh&district=%5B%2Fx%5D", "/api/missing?top=-1"]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@st.composite
def bodies(draw) -> bytes:
    flat = dict(ORDINARY)
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True)):
        flat[name] = draw(hostile)
    doc = nest(flat)
    if draw(st.integers(0, 4)) == 0:
        name = draw(st.sampled_from(NAMES))
        doc[name] = copy.deepcopy(ORDINARY[name])
    if draw(st.integers(0, 6)) == 0:
        doc = draw(hostile)
    kind = draw(st.sampled_from(["json", "json", "yaml", "corrupt"]))
    if kind == "json":
        try:
            return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode()  # NaN / Infinity as JSON writes them
        except (ValueError, TypeError):
            return to_yaml(doc).encode()
    text = to_yaml(doc)
    return text.encode() if kind == "yaml" else draw(corrupt(text))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(bodies(), st.sampled_from(ENDPOINTS))
def test_bad_requests_are_4xx_with_one_message(client, body, endpoint):
    r = client.post(endpoint, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200 or 400 <= r.status_code < 500, (r.status_code, r.text[:500], body[:300])
    if r.status_code != 200:
        err = r.json()
        assert "error" in err and "\n" not in err["error"] and "internal error" not in err["error"], err
        assert "Traceback" not in r.text
        if err.get("pointer"):
            assert err["pointer"].startswith("/"), err
