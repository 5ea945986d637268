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


CONTENT_TYPES = [None, "application/json", "text/plain", "application/x-www-form-urlencoded", "application/yaml",
                 "multipart/form-data; boundary=x", "application/json; charset=latin-1", "text/csv", "\x00"]


@st.composite
def raw_bodies(draw) -> bytes:
    """Malformed JSON, wrong types, huge and binary bodies."""
    kind = draw(st.sampled_from(["json", "broken", "huge", "deep", "binary", "wrong"]))
    if kind == "json":
        return draw(bodies())
    if kind == "broken":
        text = json.dumps(nest(dict(ORDINARY)))
        cut = draw(st.integers(0, len(text)))
        return (text[:cut] + draw(st.sampled_from(["", ",", ",,", "}", "]", '"', "\\", "\x00", "\ud800"]))).encode(
            "utf-8", "surrogatepass")
    if kind == "huge":
        n = draw(st.sampled_from([300_000, 2_000_000]))
        return b'{"applicant": {"sex": "' + b"x" * n + b'"}}'
    if kind == "deep":
        n = draw(st.sampled_from([100, 1000, 100_000]))
        return b"[" * n + b"]" * n
    if kind == "binary":
        return draw(st.binary(max_size=2000))
    return json.dumps(draw(st.sampled_from([[], 1, "x", None, True, [nest(dict(ORDINARY))],
                                            {"applicant": []}, {"application": {"date": [1]}}]))).encode()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(raw_bodies(), st.sampled_from(CONTENT_TYPES), st.sampled_from([*ENDPOINTS, "/api/batch?filename=a.csv",
                                                                      "/api/batch?filename=a.xlsx",
                                                                      "/api/batch?filename=..%2F..%2Fx.csv"]))
def test_malformed_bodies_and_content_types_are_4xx(client, body, ctype, endpoint):
    headers = {"content-type": ctype} if ctype else {}
    r = client.post(endpoint, content=body, headers=headers)
    assert r.status_code == 200 or 400 <= r.status_code < 500, (r.status_code, r.text[:500], body[:300])
    if r.status_code != 200:
        err = r.json()
        assert "error" in err and "\n" not in err["error"] and "internal error" not in err["error"], err
        assert "Traceback" not in r.text and "wrp-upload-" not in r.text, err  # no temporary path leaks


def test_a_json_body_is_named_as_json_whatever_its_content_type(client):
    """Item 5 of the campaign: without a JSON content type, a JSON body's errors were worded as YAML."""
    for ctype in (None, "text/plain", "application/x-www-form-urlencoded"):
        headers = {"content-type": ctype} if ctype else {}
        r = client.post("/api/check", content=b'{"a": 1, "a": 2}', headers=headers)
        assert r.status_code == 400 and "invalid JSON" in r.json()["error"] and "YAML" not in r.text, r.text
        r = client.post("/api/check", content=b'{"applicant": {"sex": "male"', headers=headers)
        assert r.status_code == 400 and "invalid JSON" in r.json()["error"], r.text
    r = client.post("/api/check", content=b"applicant: {sex: male", headers={"content-type": "text/plain"})
    assert r.status_code == 400 and "invalid YAML" in r.json()["error"], r.text  # YAML stays YAML
