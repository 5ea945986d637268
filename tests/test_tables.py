"""Tables in and out: a spreadsheet with Chinese headers and values decided as `check` decides each
profile; bad rows become error rows; atomic writes; population, reform, synth and sql commands."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

import cli
from policy.errors import InputError
from policy.yamlio import read_yaml
from solver.app import App
from solver.decide import decide
from solver.facts import facts_from_dict, relocated
from solver.synth import synth
from solver.tables import columns, flatten, read_applicants, write_rows

ROOT = Path(__file__).resolve().parent.parent


def _examples(policy):
    cols = set(columns(policy))
    out = []
    for f in sorted((ROOT / "examples").glob("*.yaml")):
        data = read_yaml(f)
        if all(k in cols for k in flatten(dict(data))):
            out.append((f, data))
    return out


def _zh_sheet(policy, path: Path, examples) -> None:
    """The examples as an HR officer's sheet: Chinese headers, Chinese choices, 是/否, an extra column."""
    vocab = policy.vocabulary
    cols = list(columns(policy))
    wb = openpyxl.Workbook()
    ws = wb.active
    heads = []
    for c in cols:
        base = c.split("[")[0]
        heads.append(vocab.facts[base].label["zh"] + (c[len(base):] if "[" in c else ""))
    ws.append(["工号", "姓名", *heads, "部门"])
    for i, (f, data) in enumerate(examples, 1):
        flat = flatten(dict(data))
        row = [f"E{i:03d}", f.stem]
        for c in cols:
            v = flat.get(c)
            spec = vocab.spec(c)
            if v is not None and spec.type == "enum":
                v = dict(spec.choice_zh).get(v, v)
            elif isinstance(v, bool):
                v = "是" if v else "否"
            elif isinstance(v, dt.date):
                v = dt.datetime(v.year, v.month, v.day)
            row.append(v)
        ws.append([*row, "研发部"])
    wb.save(path)


def test_chinese_spreadsheet_agrees_with_check(policy, tmp_path, capsys):
    examples = _examples(policy)
    sheet = tmp_path / "员工.xlsx"
    _zh_sheet(policy, sheet, examples)
    out = tmp_path / "结果.jsonl"
    assert cli.main(["batch", str(sheet), "--output", str(out), "--district", "all"]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(examples) * len(policy.ids())
    assert "部门" in capsys.readouterr().err  # the extra column is named as ignored
    by = {(r["name"], r["district"]): r for r in rows}
    for f, data in examples:
        facts = facts_from_dict(data, policy, file=str(f))
        own = App().districts(facts, None)[0]
        for jid in policy.ids():
            moved = relocated(policy, facts, jid)
            # `check` (Datalog) in the employer's own district; the reference interpreter (held equal to
            # Datalog by tests/test_properties.py) for the relocated ones, to keep the suite fast
            d = decide(policy, jid, moved, backend_name="datalog" if jid == own else "reference")
            r = by[(f.stem, jid)]
            assert r["status"] == d.status, (f.name, jid)
            assert r["pathways"].split() == [p.pathway.id for p in d.pathways if p.status == "satisfied"]
            if d.status == "ineligible":
                assert r["reasons"], (f.name, jid)


def test_own_district_and_reasons_in_chinese(policy, tmp_path):
    examples = [(f, d) for f, d in _examples(policy) if f.name == "changping_rejected_income.yaml"]
    sheet = tmp_path / "a.xlsx"
    _zh_sheet(policy, sheet, examples)
    out = tmp_path / "a.csv"
    assert cli.main(["batch", str(sheet), "--output", str(out), "--lang", "zh"]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "changping" in text and "不符合条件" in text and "要求 ≥" in text and "E001" in text


def test_bad_rows_become_error_rows(policy, tmp_path, capsys):
    csv = tmp_path / "staff.csv"
    csv.write_text("id,name,申请日期,出生日期,学位,工作经历,在申请单位连续工作时间,在申请单位连续缴纳社保和个税,单位注册地\n"
                   "1,甲,2021-09-15,1990-01-01,硕士,5,14,14,昌平区\n"
                   "2,乙,2021-09-15,1990-01-01,硕士生,5,14,14,昌平区\n"
                   "3,丙,2021-09-15,1990-01-01,学士,abc,14,14,昌平区\n"
                   "4,丁,2021-09-15,1990-01-01,学士,5,14,20,昌平区\n"
                   "5,戊,2021-09-15,2030-01-01,学士,0,0,0,昌平区\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert cli.main(["batch", str(csv), "--output", str(out)]) == 2
    rows = {r["row"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows[2]["status"] in ("undetermined", "ineligible", "eligible") and rows[2]["district"] == "changping"
    assert rows[3]["status"] == "error" and "row 3, column `学位`" in rows[3]["reasons"] and "master" in rows[3]["reasons"]
    assert rows[4]["status"] == "error" and "column `工作经历`" in rows[4]["reasons"]
    assert rows[5]["status"] == "error" and "social_insurance_months" in rows[5]["reasons"]
    assert rows[6]["status"] == "error" and "birth" in rows[6]["reasons"]
    assert "4 of 5 rows" in capsys.readouterr().err


def test_formats_agree(policy, tmp_path):
    """The same synthetic table as CSV, Parquet, JSON Lines and XLSX gives the same rows."""
    t = synth(policy, 120, seed=3).drop_columns(["__row"])
    pq.write_table(t, tmp_path / "p.parquet")
    results = {}
    for ext in ("parquet", "csv", "jsonl", "xlsx"):
        src = tmp_path / f"p.{ext}"
        if ext != "parquet":
            assert cli.main(["batch", str(tmp_path / "p.parquet"), "--output", str(tmp_path / f"conv_{ext}.{ext}")]) == 0
            from solver.tables import write_table
            write_table(src, t)
        out = tmp_path / f"o_{ext}.jsonl"
        assert cli.main(["batch", str(src), "--output", str(out)]) == 0
        results[ext] = [(r["id"], r["district"], r["status"], r["pathways"]) for r in
                        map(json.loads, out.read_text().splitlines())]
    assert results["csv"] == results["parquet"] == results["jsonl"] == results["xlsx"]
    assert len({r[2] for r in results["csv"]}) >= 2


def test_column_map(policy, tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("emp,when,born,deg\nA,2021-09-15,1990-01-01,博士\n", encoding="utf-8")
    m = tmp_path / "map.yaml"
    m.write_text("emp: id\nwhen: application.date\nborn: applicant.birth_date\ndeg: applicant.degree\n")
    a = read_applicants(policy, csv, mapping={"emp": "id", "when": "application.date", "born": "applicant.birth_date",
                                             "deg": "applicant.degree"})
    assert a.table.column("applicant.degree").to_pylist() == ["doctor"] and a.ids == {2: "A"}
    out = tmp_path / "o.csv"
    assert cli.main(["batch", str(csv), "--columns", str(m), "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[1].startswith("2,A,")


def test_writes_are_atomic_and_never_overwrite_the_input(policy, tmp_path, monkeypatch, capsys):
    csv = tmp_path / "in.csv"
    csv.write_text("id,申请日期\n1,2021-09-15\n", encoding="utf-8")
    before = csv.read_text(encoding="utf-8")
    assert cli.main(["batch", str(csv), "--output", str(csv)]) == 2
    assert csv.read_text(encoding="utf-8") == before and "input file" in capsys.readouterr().err

    import solver.tables as tables

    def boom(tmp, suffix, rows):
        Path(tmp).write_text("partial")
        raise KeyboardInterrupt
    monkeypatch.setattr(tables, "_write", boom)
    with pytest.raises(KeyboardInterrupt):
        write_rows(tmp_path / "o.csv", [{"a": 1}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output, no temporary file


def test_population_and_reform(policy, tmp_path, capsys):
    pop = tmp_path / "pop.parquet"
    assert cli.main(["synth", "400", "--seed", "5", "--output", str(pop)]) == 0
    capsys.readouterr()
    assert cli.main(["population", str(pop), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res["counts"]) == set(policy.ids())
    assert all(sum(c.values()) == 400 for c in res["counts"].values())
    assert cli.main(["population", str(pop), "--format", "markdown", "--lang", "zh"]) == 0
    assert "符合条件" in capsys.readouterr().out

    # a reform lowering Changping's 1.5 × wage income threshold to 1.2 ×: only gains, all in Changping,
    # all because of the income clause
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "policy" / "jurisdictions", rules)
    f = rules / "changping.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("{times: 1.5, param: wage.monthly}",
                                                       "{times: 1.2, param: wage.monthly}"), encoding="utf-8")
    flipped = tmp_path / "flipped.csv"
    assert cli.main(["reform", str(pop), "--rules", str(rules), "--format", "json", "--output", str(flipped)]) == 0
    res = json.loads(capsys.readouterr().out)
    d = res["districts"]
    assert d["changping"]["gains"] > 0 and d["changping"]["losses"] == 0
    assert all(v["gains"] == v["losses"] == 0 for k, v in d.items() if k != "changping")
    assert d["changping"]["clauses"]["gains"][0]["clause"] == "changping.applicant.income"
    assert len(flipped.read_text(encoding="utf-8-sig").splitlines()) == d["changping"]["gains"] + 1

    # the wage of 2021 vs 2023: a higher average wage means some lose, through income clauses
    assert cli.main(["reform", str(pop), "--date", "2021-09-15", "--vs", "2023-09-15", "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    losses = [c["clause"] for v in res["districts"].values() for c in v["clauses"]["losses"]]
    assert any("income" in c for c in losses)


def test_synth_rows_are_valid_profiles(policy):
    from solver.population import _profile
    t = synth(policy, 60, seed=9)
    assert t.schema.metadata[b"wrp.synthetic"] == b"true"
    for row in t.to_pylist():
        facts_from_dict(_profile(policy, row), policy)  # raises on an impossible profile


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "trino", "postgres"])
def test_sql_command(capsys, dialect):
    assert cli.main(["sql", "--district", "daxing", "--dialect", dialect, "--key", "id"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("WITH") and "daxing.pathway.1" in out


def test_sql_command_query_runs_in_duckdb(policy, capsys):
    import duckdb
    assert cli.main(["sql", "--district", "changping", "--key", "id"]) == 0
    query = capsys.readouterr().out
    applicants = synth(policy, 50, seed=1)  # noqa: F841 (DuckDB reads the local variable by name)
    rows = duckdb.sql(query.rstrip().rstrip(";")).fetchall()
    assert len(rows) == 50


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_interrupted_run_leaves_no_output_file(policy, tmp_path, sig):
    """`wrp batch … --output` interrupted while it writes: no output file and no temporary file."""
    import signal
    import subprocess
    import sys
    import time
    src = tmp_path / "in.parquet"
    pq.write_table(synth(policy, 1500, seed=9).drop_columns(["__row"]), src)
    out = tmp_path / "out" / "result.xlsx"
    out.parent.mkdir()
    child = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "batch", str(src), "--district", "all",
                              "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             # a shell's background job inherits SIGINT ignored: the child gets it back
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = False
    while child.poll() is None:
        if any(p.name.endswith(".part") for p in out.parent.iterdir()):  # the write has begun
            seen = True
            child.send_signal(getattr(signal, sig))
            break
        time.sleep(0.002)
    child.wait(timeout=120)
    assert seen, "the write finished before it could be interrupted"
    assert list(out.parent.iterdir()) == []  # neither the output nor the temporary file
    assert child.returncode != 0 and b"Traceback" not in child.stderr.read()


def test_cell_errors_in_chinese(policy, tmp_path, capsys):
    csv = tmp_path / "staff.csv"
    csv.write_text("工号,姓名,申请日期,学位,employer.high_tech\n"
                   "E1,甲,2021-09-15,硕士研究生,是\n"
                   "E2,乙,2021-13-01,硕士,否\n"
                   "E3,丙,2021-09-15,博士,也许\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert cli.main(["batch", str(csv), "--output", str(out), "--lang", "zh"]) == 2
    text = out.read_text(encoding="utf-8-sig")
    assert "第 2 行，列 `学位`：`硕士研究生` 不是有效的选项；可选：无、学士、硕士、博士" in text
    assert "第 3 行，列 `申请日期`：不是真实存在的日期" in text
    assert "第 4 行，列 `employer.high_tech`：须为是或否" in text
    assert "E1,甲" in text and "is not" not in text


def test_table_read_errors_and_header_warnings_in_chinese_and_inert(tmp_path, capsys):
    """--lang zh: an unknown header's warning and a table that cannot be read are in Chinese, one line,
    naming file/line/col; a header with control characters is echoed escaped (batch, population, reform)."""
    t = tmp_path / "people.csv"
    t.write_text('id,applicant.sex,"evil\x1b[31m\nheader",applicant.sexx\n1,male,x,y\n', encoding="utf-8")
    for argv in (["batch", t], ["population", t], ["reform", t, "--date", "2024-01-01", "--vs", "2025-01-01"]):
        assert cli.main([str(a) for a in argv] + ["--lang", "zh"]) == 0
        err = capsys.readouterr().err
        warns = [x for x in err.splitlines() if x.startswith("wrp: warning: ")]
        assert len(warns) == 1, err
        assert "以下列已忽略" in warns[0] and "是否想用 `applicant.sex`" in warns[0], warns
        assert "\x1b" not in err and "evil␛[31m␊header" in warns[0], warns
    assert cli.main(["batch", str(t)]) == 0
    assert "columns ignored (not facts of the vocabulary" in capsys.readouterr().err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,applicant.sex\n1,m\xe9le\n".encode("latin-1"))
    deep = tmp_path / "deep.jsonl"  # under Python's recursion limit, over the table's bound on nesting
    deep.write_text('{"id": 1}\n{"id": 2, "x": ' + "[" * 200 + "]" * 200 + "}\n", encoding="utf-8")
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    for f, en, zh in ((latin, "latin.csv:2:4: not UTF-8 text (byte 0xe9)", "latin.csv:2:4: 不是 UTF-8 文本"),
                      (deep, "deep.jsonl:2: the JSON is nested too deeply", "deep.jsonl:2: JSON 嵌套层数过多"),
                      (fifo, "fifo.csv: is a directory, a FIFO or a device", "fifo.csv: 是目录、管道或设备")):
        for lang, want in (("en", en), ("zh", zh)):
            assert cli.main(["batch", str(f), "--lang", lang]) == 2
            err = capsys.readouterr().err
            assert len(err.splitlines()) == 1 and want in err, err


def test_synth_bound_in_chinese(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert cli.main(["synth", "20000001", "--output", str(out), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "`n`: 不能超过 20,000,000" in err and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_a_json_lines_table_past_its_size_limit_is_refused_before_reading(policy, tmp_path, monkeypatch):
    from solver import tables
    f = tmp_path / "staff.jsonl"
    f.write_text('{"applicant.sex": "male"}\n' * 100, encoding="utf-8")
    monkeypatch.setattr(tables, "MAX_JSONL_BYTES", 1000)
    with pytest.raises(InputError, match="staff.jsonl") as info:
        tables.read_applicants(policy, f, None)
    assert "\n" not in str(info.value) and "limit" in str(info.value)
