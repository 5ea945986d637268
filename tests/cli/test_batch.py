"""`wrp batch`: many profiles, one row per profile and jurisdiction; bad profiles become rows, exit 2."""

import csv
import io
import json
from pathlib import Path

import cli
from policy.load import load_policy
from tests.cli.test_examples import EXPECTED

ROOT = Path(__file__).resolve().parents[2]


def test_batch_json_agrees_with_check(capsys):
    assert cli.main(["batch", str(ROOT / "examples"), "--format", "json"]) == 0
    rows = {Path(r["profile"]).name: r for r in json.loads(capsys.readouterr().out)}
    for name, exp in EXPECTED.items():
        if rows[name]["district"] == exp["district"]:
            assert rows[name]["status"] == exp["status"], name


def test_batch_reports_bad_profiles_and_goes_on(capsys):
    bad = ROOT / "tests" / "fixtures" / "bad_profiles" / "invalid_enum.yaml"
    good = ROOT / "examples" / "changping_eligible.yaml"
    assert cli.main(["batch", str(good), str(bad), "--format", "csv"]) == 2
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [r["status"] for r in rows] == ["eligible", "error"]
    assert "applicant.degree" in rows[1]["error"]
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_batch_all_districts(capsys):
    assert cli.main(["batch", str(ROOT / "examples" / "changping_eligible.yaml"), "--district", "all",
                     "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["district"] for r in rows) == sorted(load_policy().ids())


def test_batch_text_in_chinese(capsys):
    assert cli.main(["batch", str(ROOT / "examples" / "changping_eligible.yaml"), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "档案" in out and "结论" in out and "符合条件" in out
    assert "eligible" not in out.replace("changping_eligible.yaml", "")


ZH_PROFILE = """\
id: A-17
name: 张三
application: {date: 2021-09-15}
applicant: {birth_date: 1990-04-01, sex: 女, female_category: 干部, degree: 硕士, work_experience_years: 5,
            labor_dispatch: 否}
employer: {registered_district: 昌平区, tax_district: 昌平}
"""


def test_batch_reads_standard_input_and_shows_id_and_name(capsys, monkeypatch):
    """`-` is one profile on standard input; its `id` and `name` are in every format (issue 9)."""
    import io
    import json
    for fmt in ("json", "csv", "text"):
        monkeypatch.setattr("sys.stdin", io.StringIO(ZH_PROFILE))
        assert cli.main(["batch", "-", "--format", fmt]) == 0
        out = capsys.readouterr().out
        if fmt == "json":
            row = json.loads(out)[0]
            assert (row["profile"], row["id"], row["name"], row["district"]) == ("<stdin>", "A-17", "张三", "changping")
        elif fmt == "csv":
            assert out.splitlines()[1].startswith("<stdin>,A-17,张三,changping,")
        else:
            assert "<stdin> (A-17 · 张三)" in out


def test_check_text_names_the_profile(capsys, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO(ZH_PROFILE))
    assert cli.main(["check", "-"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "profile A-17 · 张三"


def test_city_wide_fallback_is_said_in_every_format(capsys, monkeypatch):
    """A district without rules of its own (海淀区): the city-wide rule is used, and every output says so —
    check (text, JSON, CSV), missing (text, also when already eligible, and JSON), batch (issue 9)."""
    import io
    import json
    profile = ZH_PROFILE.replace("昌平区", "海淀区").replace("昌平", "haidian")
    words = "no district rules are encoded for `haidian`; using the city-wide rule (beijing)"
    for argv in (["check", "-"], ["check", "-", "--format", "json"], ["check", "-", "--format", "csv"],
                 ["missing", "-"], ["missing", "-", "--format", "json"], ["batch", "-"],
                 ["batch", "-", "--format", "csv"]):
        monkeypatch.setattr("sys.stdin", io.StringIO(profile))
        assert cli.main(argv) == 0, argv
        out = capsys.readouterr().out
        assert words in out, argv
        if argv[-1] == "csv":
            assert ",A-17,张三,beijing," in out, argv
        if argv == ["missing", "-", "--format", "json"]:
            assert words in json.loads(out)["warnings"]
    monkeypatch.setattr("sys.stdin", io.StringIO(profile))
    assert cli.main(["missing", "-", "--lang", "zh"]) == 0
    assert "尚未编码 `haidian` 的区级规定；按全市规定（beijing）判断" in capsys.readouterr().out
