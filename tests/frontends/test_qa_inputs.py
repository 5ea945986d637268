"""Bad input found by trying the service and the CLI as users would: each is a 400 / exit 2 with one
message naming the field, never a 500 or an internal error."""

from __future__ import annotations

import subprocess

import pytest
from fastapi.testclient import TestClient

from solver.service import create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "NaN", "Infinity"])
def test_non_finite_number_in_the_body_is_400(client, literal):
    body = '{"applicant": {"work_experience_years": ' + literal + '}}'
    r = client.post("/api/check", content=body)
    assert r.status_code == 400, r.text
    assert r.json()["pointer"] == "/applicant/work_experience_years"


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_non_finite_number_in_a_file_is_exit_2(tmp_path, value):
    p = tmp_path / "p.yaml"
    p.write_text(f"applicant:\n  income:\n    monthly_avg_12m: {value}\n", encoding="utf-8")
    r = subprocess.run(["wrp", "check", str(p)], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert "applicant.income.monthly_avg_12m" in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("body", ["[" * 50000 + "]" * 50000, '{"a":' * 20000 + "1" + "}" * 20000])
def test_deeply_nested_body_is_400(client, body):
    r = client.post("/api/check", content=body)
    assert r.status_code == 400, r.text
    assert "internal error" not in r.text


@pytest.mark.parametrize("param", ["keep", "allow"])
def test_unknown_fact_in_keep_or_allow_names_that_parameter(client, param):
    r = client.post(f"/api/missing?{param}=nope.fact", json={"applicant": {"degree": "master"}})
    assert r.status_code == 400
    assert r.json()["parameter"] == param and "unknown fact `nope.fact`" in r.json()["error"]
