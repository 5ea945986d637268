"""The HTTP service through the ASGI test client: good and bad input, bounds, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policy.load import load_policy
from policy.schema import to_json_value
from policy.yamlio import read_yaml
from solver.service import create_app

ROOT = Path(__file__).resolve().parents[2]


def example(name: str) -> dict:
    return to_json_value(read_yaml(ROOT / "examples" / f"{name}.yaml"))


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def test_check_matches_the_cli_contract(client):
    r = client.post("/api/check", json=example("changping_eligible"))
    assert r.status_code == 200
    d = r.json()
    assert (d["district"], d["status"], d["eligible"]) == ("changping", "eligible", True)
    assert {"pathways", "failed", "waivable", "unknown", "clauses", "next_questions"} <= set(d)


def test_explain_in_chinese_has_the_proof_and_the_cheapest_fix(client):
    d = client.post("/api/explain?lang=zh", json=example("changping_rejected_income")).json()
    assert d["status"] == "ineligible" and d["status_text"] == "不符合条件"
    failed = [c for c in d["clauses"] if c["status"] == "failed"]
    assert failed and all(c["cite"]["quote"] and c["cite"]["source"].endswith(".txt") for c in failed)
    assert "14,111" in d["missing_text"] and "近12个月月均应税收入" in d["missing_text"]
    assert d["missing"]["district"] == "changping" and d["missing"]["suggestions"]


def test_all_districts_and_next_questions(client):
    data = client.post("/api/check?district=all", json=example("changping_undetermined_missing")).json()
    assert [d["district"] for d in data] == load_policy().ids()
    home = next(d for d in data if d["district"] == "changping")
    assert home["status"] == "undetermined"
    # the facts the answer depends on, and the tenure, which settles it through tenure >= social insurance
    assert {q["fact"] for q in home["next_questions"]} == set(home["unknown"]) | {"applicant.months_with_employer"}


BAD = [
    # (how the profile is spoiled, status, pointer or parameter, fragment)
    ("degree", "phd", "/applicant/degree", "`phd` is not a valid choice"),
    ("work_experience_years", "three", "/applicant/work_experience_years", "must be a number (years), got `three`"),
    ("degre", "master", "/applicant/degre", "unknown field. Did you mean `applicant.degree`"),
    ("months_with_employer", 9999, "/applicant/months_with_employer", "must be at most 720"),
]


@pytest.mark.parametrize("key,value,ptr,fragment", BAD)
def test_bad_profile_is_400_with_the_cli_message_and_a_pointer(client, key, value, ptr, fragment):
    prof = example("changping_eligible")
    prof["applicant"][key] = value
    r = client.post("/api/check", json=prof)
    assert r.status_code == 400
    body = r.json()
    assert body["pointer"] == ptr and fragment in body["error"]
    assert body["error"].startswith("profile.json:1:")  # the position in the body, as the CLI gives it
    assert "Traceback" not in r.text


@pytest.mark.parametrize("url,param,fragment", [
    ("/api/check?district=nowhere", "district", "unknown district `nowhere`"),
    ("/api/check?date=yesterday", "date", "must be a date YYYY-MM-DD, got `yesterday`"),
    ("/api/check?lang=fr", "lang", "`fr` is not a language"),
    ("/api/missing?top=0", "top", "top must be at least 1"),
    ("/api/materials?district=all", "district", "materials are listed for one jurisdiction"),
])
def test_bad_parameter_is_400_naming_the_parameter(client, url, param, fragment):
    r = client.post(url, json=example("changping_eligible"))
    assert r.status_code == 400 and r.json()["parameter"] == param and fragment in r.json()["error"]


@pytest.mark.parametrize("body,fragment", [(b"", "the profile is empty"), (b"a: [1", "invalid YAML"),
                                           (b"[1, 2]", "a profile is a mapping"), (b"\xff\xfe", "not UTF-8"),
                                           # JSON without a JSON content type (curl -d) is still named JSON
                                           (b"{not json", "profile.json:1:2: invalid JSON: Expecting property name"),
                                           (b'{"applicant": {"sex": "male", "sex": "female"}}',
                                            'profile.json:1:31: invalid JSON: duplicate key "sex"')])
@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_unreadable_body_is_400(client, body, fragment, ctype):
    r = client.post("/api/check", content=body, headers={"content-type": ctype} if ctype else {})
    assert r.status_code == 400 and fragment in r.json()["error"], r.json()


def test_yaml_flow_and_a_byte_order_mark_are_read(client):
    import json
    r = client.post("/api/check", content=("\ufeff" + json.dumps(example("changping_eligible"))).encode())
    assert r.status_code == 200 and r.json()["status"] == "eligible"
    r = client.post("/api/check", content=b"{application: {date: 2021-09-15}, applicant: {degree: phd}}")
    assert r.status_code == 400 and r.json()["pointer"] == "/applicant/degree"


def test_a_form_upload_of_a_profile_is_415(client):
    r = client.post("/api/check", files={"f": ("p.json", b"{}", "application/json")})
    assert r.status_code == 415 and "not as a multipart form upload" in r.json()["error"]


@pytest.mark.parametrize("body,fragment", [
    (b'{"applicant": {"sex": "male",}}', "profile.json:1:30: invalid JSON: Expecting property name"),
    (b'{\n  "applicant": {\n    "sex": "male"\n  }', "profile.json:4:4: invalid JSON: Expecting ',' delimiter"),
    (b'{"applicant": {"sex": "male", "sex": "female"}}', 'profile.json:1:31: invalid JSON: duplicate key "sex"')])
def test_bad_json_body_is_named_json_with_line_and_column(client, body, fragment):
    r = client.post("/api/check", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and fragment in r.json()["error"], r.json()
    assert "YAML" not in r.json()["error"]


@pytest.mark.parametrize("key,value,shown", [("work_experience_years", True, "got `true`"),
                                             ("months_with_employer", False, "got `false`"),
                                             ("work_experience_years", None, None),
                                             ("work_experience_years", [1, True], "got `[1, true]`")])
def test_a_value_is_echoed_as_the_user_wrote_it(client, key, value, shown):
    prof = example("changping_eligible")
    prof["applicant"][key] = value
    r = client.post("/api/check", json=prof)
    if shown is None:  # null is "unknown", not an error
        assert r.status_code == 200
        return
    assert r.status_code == 400 and shown in r.json()["error"] and "True" not in r.json()["error"], r.json()


def test_request_size_is_bounded(client):
    r = client.post("/api/check", content=b" " * 300_000)
    assert r.status_code == 413 and "larger than" in r.json()["error"]
    assert client.post("/api/check", json=example("changping_eligible")).status_code == 200


def test_solver_time_is_bounded_and_the_server_keeps_serving(monkeypatch):
    import threading

    from solver.service import engine
    real, release = engine.compare, threading.Event()

    def slow(app, districts, *rest):
        if districts == "changping,daxing":
            release.wait(30)  # a solver call over budget; its worker finishes later, unobserved
        return real(app, districts, *rest)

    monkeypatch.setattr(engine, "compare", slow)
    try:
        with TestClient(create_app(timeout=2, workers=2)) as c:
            r = c.get("/api/compare?districts=changping,daxing")
            assert r.status_code == 503 and "did not finish within 2 s" in r.json()["error"]
            assert r.headers["retry-after"]
            assert c.post("/api/check", json=example("changping_eligible")).status_code == 200
    finally:
        release.set()


def test_concurrent_requests_each_get_their_own_answer():
    """pyDatalog keeps state per thread: interleaved requests for different profiles must not mix, and
    worker threads compiling their engines at the same moment must not fail (a fresh server, no warm-up)."""
    from solver.app import App
    names = ["changping_eligible", "changping_rejected_income", "daxing_eligible", "xicheng_rejected_income",
             "chaoyang_rejected_age", "beijing_eligible_title", "daxing_rejected_income", "xicheng_eligible_degree"] * 3
    app = App()
    expected = {n: app.check(example(n)).as_dict()["status"] for n in set(names)}
    with TestClient(create_app(App(), workers=8)) as client, ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda n: (n, client.post("/api/check", json=example(n))), names))
    assert all(r.status_code == 200 for _, r in got), [r.json() for _, r in got if r.status_code != 200][:1]
    assert all(expected[n] == r.json()["status"] for n, r in got)
    assert set(expected.values()) == {"eligible", "ineligible"}


def test_other_endpoints(client):
    assert [j["id"] for j in client.get("/api/jurisdictions").json()] == \
        load_policy().ids()
    assert client.get("/api/schemas/profile").json()["$id"] == "profile.schema.json"
    assert client.get("/api/schemas/nope").status_code == 400
    c = client.get("/api/compare?districts=changping,daxing&topic=income_threshold&lang=zh").json()
    assert "changping" in str(c["jurisdictions"]) and "daxing" in str(c["jurisdictions"]) and c["text"]
    m = client.post("/api/materials", json=example("changping_eligible")).json()
    assert m and "text" in m
    d = client.post("/api/deadlines?expiry=2024-06-30&district=changping", content=b"").json()
    assert "text" in d
    table = ROOT / "examples" / "staff_zh.csv"
    data = table.read_bytes()
    r = client.post("/api/batch?filename=staff_zh.csv&lang=zh", content=data)
    assert r.status_code == 200, r.text
    rows = r.json()
    assert rows and all("status" in row for row in rows)
    # a CSV body without a file name (content type text/csv), a form upload (curl -F), CSV out
    r = client.post("/api/batch?lang=zh", content=data, headers={"content-type": "text/csv"})
    assert r.status_code == 200 and r.json() == rows
    r = client.post("/api/batch?lang=zh", files={"file": ("staff_zh.csv", data, "text/csv")})
    assert r.status_code == 200 and r.json() == rows
    r = client.post("/api/batch?lang=zh&format=csv", content=data, headers={"content-type": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert "status" in lines[0] and len(lines) == len(rows) + 1
    r = client.post("/api/batch?format=pdf", content=data)
    assert r.status_code == 400 and r.json()["parameter"] == "format"
    r = client.post("/api/batch", files={"a": ("a.csv", b"x", "text/csv"), "b": ("b.csv", b"y", "text/csv")})
    assert r.status_code == 400 and "2 files" in r.json()["error"]
    r = client.post("/api/batch?filename=staff.csv", content=b"\xff\xfe,,\n")
    assert r.status_code == 400 and "not UTF-8" in r.json()["error"]
    # a bad upload is named by its file name (and line:col), never by the temporary copy it was saved to
    assert r.json()["error"].startswith("staff.csv:1:1: not UTF-8 text"), r.json()
    wide = b"id,applicant.sex\n1," + b"x" * 200_000 + b"\n"
    for r in (client.post("/api/batch?filename=staff.csv", content=wide),
              client.post("/api/batch", files={"file": ("staff.csv", wide, "text/csv")})):
        assert r.status_code == 400 and r.json()["error"].startswith("staff.csv:2: not a readable CSV file"), r.json()
        assert "wrp-upload-" not in r.text and "/tmp" not in r.text, r.json()
    r = client.post("/api/batch?filename=staff.csv&lang=zh", content=b"id\n\xe9\n")
    assert r.status_code == 400 and "staff.csv:2:1" in r.json()["error"], r.json()
    assert client.post("/api/batch?filename=staff.pdf", content=b"x").status_code in (400, 501)


def test_openapi_and_offline_pages(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/check", "/api/explain", "/api/missing", "/api/compare", "/api/conflicts", "/api/deadlines",
            "/api/materials", "/api/jurisdictions", "/api/schemas", "/api/batch"} <= set(paths)
    for page in ("/", "/docs"):
        html = client.get(page).text
        assert "<script" in html and "http://" not in html and "https://" not in html  # nothing from outside
    assert client.get("/nowhere").status_code == 404


@pytest.mark.parametrize("lang,item", [("zh", "近三年每年应税收入（由远及近）第1年（共3年，最早）"),
                                       ("en", "taxable income in each of the last 3 years (oldest first), year 1 of 3 (oldest)")])
def test_list_items_are_labelled_in_words(client, lang, item):
    d = client.post(f"/api/check?lang={lang}&district=xicheng", json=example("changping_rejected_income")).json()
    labels = [lf["label"] for c in d["clauses"] for lf in c["leaves"]]
    assert item in labels and not any("[" in x for x in labels), labels


@pytest.mark.parametrize("lang,yes,no", [("en", "yes", "no"), ("zh", "是", "否")])
def test_fix_text_says_yes_no_as_the_form_does(client, lang, yes, no):
    d = client.post(f"/api/explain?lang={lang}", json=example("beijing_rejected_residence")).json()
    assert f"{no} → {yes}" in d["missing_text"], d["missing_text"]
    assert "true" not in d["missing_text"] and "false" not in d["missing_text"]


def test_bad_input_in_chinese_with_lang_zh(client):
    prof = example("changping_eligible")
    prof["applicant"]["months_with_employer"] = 9999
    en = client.post("/api/check", json=prof).json()
    zh = client.post("/api/check?lang=zh", json=prof).json()
    assert zh["pointer"] == en["pointer"] == "/applicant/months_with_employer"
    assert zh["error"] != en["error"] and any("\u4e00" <= ch <= "\u9fff" for ch in zh["error"]), zh
    r = client.get("/api/check?lang=zh&date=yesterday")
    assert r.status_code in (400, 405)
