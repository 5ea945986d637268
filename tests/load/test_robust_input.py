"""Bad input of every kind is one clear message at its position (issue 14): the shared strict Reader
for policy files, bounded reading (sizes, devices, aliases, nesting), numbers and dates, profiles
stating a fact twice, and messages that stay one inert line.

Each policy case is a small jurisdiction file with one defect; the loader, ``wrp lint`` and ``wrp check
--rules`` must all refuse it with the same ``file:line:col``."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

import cli
from policy.errors import InputError, escape, shown
from policy.load import load_jurisdiction, load_policy
from policy.properties import load_properties
from policy.reader import number, parse_date
from policy.yamlio import MAX_BYTES, read_yaml

BASE = """\
meta:
  id: testville
  name: {zh: 测试区, en: Testville}
  issuer: 测试区人力资源和社会保障局
  document: test fixture
  in_force: {from: 2021-08-01}
  sources: [001_be62ffba661c98fa.txt]
employer:
  - id: testville.employer.capital
    topic: employer_capital
    cite: {source: 001_be62ffba661c98fa.txt, section: 二、（一）}
    quote: 注册资本在100万元（含）以上
    WHEN
"""
GOOD_WHEN = "when: {fact: employer.registered_capital, ge: 1000000}"

# defect -> (the `when:` line or a replacement of the whole file, line, col, fragment of the message)
POLICY_CASES = {
    "empty_all": ("when: {all: []}", 13, 12, "`all` needs at least one condition"),
    "empty_any": ("when: {any: []}", 13, 12, "`any` needs at least one condition"),
    "at_least_negative": ("when: {at_least: -1, of: [{fact: employer.high_tech, eq: true}]}", 13, 12,
                          "must be from 1 to the number of conditions"),
    "at_least_huge": ("when: {at_least: 100000000000, of: [{fact: employer.high_tech, eq: true}]}", 13, 12,
                      "must be from 1 to the number of conditions"),
    "at_least_bool": ("when: {at_least: true, of: [{fact: employer.high_tech, eq: true}]}", 13, 12,
                      "`at_least: K` needs `of:"),
    "empty_sum": ("when: {sum: [], ge: 1}", 13, 12, "`sum` is a non-empty list"),
    "nan_threshold": ("when: {fact: employer.registered_capital, ge: .nan}", 13, 47, "must be a finite number"),
    "inf_threshold": ("when: {fact: employer.registered_capital, ge: -.inf}", 13, 47, "must be a finite number"),
    "1e400_threshold": ("when: {fact: employer.registered_capital, ge: 1e400}", 13, 47, "must be a finite number"),
    "long_int": ("when: {fact: employer.registered_capital, ge: " + "9" * 400 + "}", 13, 51, "more than 15 digits"),
    "text_number": ("when: {fact: employer.registered_capital, ge: '10**400'}", 13, 47, "must be a number"),
    "text_1e400": ("when: {fact: employer.registered_capital, ge: '1e400'}", 13, 47, "must be a number"),
    "null_title": ("title: null\n    " + GOOD_WHEN, 13, 5, "`title` must be {zh: …, en: …}, not empty"),
    "null_zh_title": ("title: {zh: null, en: x}\n    " + GOOD_WHEN, 13, 13, "`zh` of `title` must not be empty"),
    "fact_with_code": ("when: {fact: \"employer.x'); __import__('os').system('touch /tmp/pwned') #\", eq: 1}",
                       13, 12, "undeclared fact"),
    "fact_with_index_code": ("when: {sum: [[1, \"applicant.income.annual_last_3_years[0]') & x\"]], ge: 1}",
                             13, 18, "undeclared fact"),
    "id_with_code": (None, 9, 5, "`id` must be an identifier"),
    "nested_sources": (None, 7, 13, "unknown source"),
    "alias_bomb": (None, 5, 5, "expands to more than"),
    "control_char": (None, 13, 11, "control character U+0007"),
    "datetime_in_force": (None, 6, 14, "without a time"),
}


def _file(tmp_path: Path, name: str) -> Path:
    when = POLICY_CASES[name][0]
    text = BASE.replace("WHEN", when or GOOD_WHEN)
    if name == "id_with_code":
        text = text.replace("id: testville.employer.capital", "id: \"x') ; import os ; os.system('id') #\"")
    elif name == "nested_sources":
        text = text.replace("sources: [001_be62ffba661c98fa.txt]", "sources: [[001_be62ffba661c98fa.txt]]")
    elif name == "alias_bomb":
        lines = ["x0: &x0 [a, a, a, a, a, a, a, a, a]"]
        lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]" for i in range(1, 9)]
        text = "\n".join(lines) + "\n" + text
    elif name == "control_char":
        text = text.replace("    when:", "    when: \a")
    elif name == "datetime_in_force":
        text = text.replace("in_force: {from: 2021-08-01}", "in_force: {from: 2021-08-01T10:00:00}")
    f = tmp_path / f"{name}.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize("name", sorted(POLICY_CASES))
def test_bad_policy_file_is_one_error_at_its_position(tmp_path, name):
    policy = load_policy()
    f = _file(tmp_path, name)
    _, line, col, fragment = POLICY_CASES[name]
    t0 = time.process_time()
    with pytest.raises(InputError) as info:
        load_jurisdiction(f, policy.vocabulary, policy.params, policy.sources)
    assert time.process_time() - t0 < 5  # an alias bomb fails at once (it took 31 s and 2.3 GB)
    e = info.value
    assert fragment in e.message, str(e)
    assert (e.line, e.col) == (line, col) or line is None, str(e)
    assert e.file == str(f)
    assert "\n" not in str(e) and len(str(e)) < 1200


@pytest.mark.parametrize("name", ["empty_all", "at_least_huge", "null_title", "nested_sources", "nan_threshold"])
def test_lint_and_check_agree_on_validity(tmp_path, name, capsys):
    """What `lint` refuses, `check --rules` refuses with the same message (and the reverse)."""
    f = _file(tmp_path, name)
    assert cli.main(["lint", str(f)]) == 2
    lint_err = capsys.readouterr().err
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    profile = Path(__file__).resolve().parents[2] / "examples" / "changping_eligible.yaml"
    assert cli.main(["check", str(profile), "--rules", str(rules), "--district", "testville"]) == 2
    check_err = capsys.readouterr().err
    assert lint_err.count("\n") == check_err.count("\n") == 1
    assert lint_err.split(f.name, 1)[1] == check_err.split(f.name, 1)[1]
    assert "internal error" not in lint_err + check_err


def test_good_base_file_loads(tmp_path):
    policy = load_policy()
    f = tmp_path / "good.yaml"
    f.write_text(BASE.replace("WHEN", GOOD_WHEN), encoding="utf-8")
    j = load_jurisdiction(f, policy.vocabulary, policy.params, policy.sources)
    assert j.id == "testville"


# --- reading files ---------------------------------------------------------------------------------


def test_devices_directories_and_missing_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    cases = {"/dev/zero": "is a device", str(tmp_path): "is a directory", str(fifo): "is a FIFO",
             str(tmp_path / "nope.yaml"): "no such file", "/x" * 3000: "the path is too long"}
    for path, fragment in cases.items():
        with pytest.raises(InputError) as info:
            read_yaml(path)
        assert fragment in str(info.value), path


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path):
    f = tmp_path / "secret.yaml"
    f.write_text("a: 1\n")
    f.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_yaml(f)


def test_size_is_bounded_before_parsing(tmp_path):
    f = tmp_path / "big.yaml"
    f.write_bytes(b"a: " + b"x" * (MAX_BYTES + 10) + b"\n")
    with pytest.raises(InputError, match="larger than the limit"):
        read_yaml(f)


@pytest.mark.parametrize("data, line, col, fragment", [
    (b"a: 1\nb: caf\xe9\n", 2, 7, "not UTF-8 text"),
    (b"a: 1\nb: x\x00y\n", 2, 5, "a NUL byte"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", 1, 1, "not UTF-8 text"),
    (b"a: 1\nb: 2021-02-30\n", 2, 4, "is not a real date"),
    (b"a: [" * 300, 1, None, "nested more than"),
    (b"a: &a [1, *a]\n", None, None, ""),
])
def test_bytes_errors_have_positions(tmp_path, data, line, col, fragment):
    f = tmp_path / "x.yaml"
    f.write_bytes(data)
    try:
        read_yaml(f)
    except InputError as e:
        assert fragment in e.message and e.line == line and (col is None or e.col == col), str(e)
    else:
        assert fragment == ""  # a recursive alias ruamel resolves to null is harmless


def test_numbers_and_dates():
    for bad in (float("nan"), float("inf"), "1e400", "10**400", 10 ** 400, True, [1], "0x10"):
        with pytest.raises(ValueError):
            number(bad)
    assert number("1/12") * 12 == 1
    for bad in ("2021-9-5", "20210915", "2021-W37-3", "9999-12-31", "0001-01-01", "2021-09-15T00:00", 20210915):
        with pytest.raises(ValueError):
            parse_date(bad)
    assert str(parse_date("2199-12-31")) == "2199-12-31"


# --- profiles ----------------------------------------------------------------------------------------


def _check(tmp_path, text: str, capsys, *extra) -> tuple[int, str]:
    f = tmp_path / "p.yaml"
    f.write_text(textwrap.dedent(text), encoding="utf-8")
    rc = cli.main(["check", str(f), *extra])
    return rc, capsys.readouterr().err


def test_a_fact_stated_twice_names_both_places(tmp_path, capsys):
    rc, err = _check(tmp_path, """\
        application: {date: 2021-09-15}
        applicant: {sex: male}
        "applicant.sex": female
        """, capsys)
    assert rc == 2 and err.count("\n") == 1
    assert ":3:1: `applicant.sex`: stated twice: here and at line 2, column 13" in err


@pytest.mark.parametrize("value, fragment", [
    (".nan", "must be a finite number"), ("1e400", "must be a finite number"), ("9" * 40, "more than 15 digits"),
    ("'10**400'", "must be a number"), ("999999999999999.5", "more than 15 digits"),
])
def test_profile_numbers(tmp_path, capsys, value, fragment):
    rc, err = _check(tmp_path, f"application: {{date: 2021-09-15}}\napplicant: {{work_experience_years: {value}}}\n",
                     capsys)
    assert rc == 2 and fragment in err and ":2:" in err and "internal error" not in err


@pytest.mark.parametrize("args, fragment", [
    (["--date", "9999-12-31"], "between 1900-01-01 and 2199-12-31"),
    (["--date", "0001-01-01"], "between 1900-01-01 and 2199-12-31"),
    (["--date", "2021-9-15"], "YYYY-MM-DD"),
])
def test_calendar_ends(tmp_path, capsys, args, fragment):
    rc, err = _check(tmp_path, "applicant: {birth_date: 1990-04-01}\n", capsys, *args)
    assert rc == 2 and fragment in err and "internal error" not in err


def test_profile_dates_at_calendar_ends(tmp_path, capsys):
    rc, err = _check(tmp_path, "application: {date: 9999-12-31}\n", capsys)
    assert rc == 2 and ":1:15: `application.date`: must be a date between" in err


def test_messages_are_chinese_with_lang_zh(tmp_path, capsys):
    rc, err = _check(tmp_path, "applicant: {work_experience_years: .inf}\n", capsys, "--lang", "zh")
    assert rc == 2 and "须为有限的数值" in err and ":1:13:" in err
    rc, err = _check(tmp_path, "applicant: {degree: phd}\n", capsys, "--lang", "zh")
    assert rc == 2 and "不是有效选项" in err, err


# --- messages ------------------------------------------------------------------------------------------


def test_messages_are_one_inert_line():
    e = InputError("bad `" + shown("\x1b[31mred\n# heading\u202e" + "x" * 5000) + "`", file="a\nb.yaml", line=1)
    s = str(e)
    assert "\n" not in s and "\x1b" not in s and "\u202e" not in s and len(s) <= 1001
    assert escape("\r\t") == "\u240d\u2409"


# --- properties ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, line, fragment", [
    ("properties: {a: 1}\n", 1, "`properties` must be a list"),
    ("properties:\n  - null\n", 2, "a property must be a mapping"),
    ("properties:\n  - [1, 2]\n", 2, "a property must be a mapping"),
    ("properties:\n  - {id: x, kind: monotone, fact: null}\n", 2, "`fact` of a `monotone` property must not be empty"),
    ("properties:\n  - {id: x, kind: monotone, fact: [a]}\n", 2, "`fact` must be text"),
    ("properties:\n  - {id: x, kind: monotone, fact: applicant.birth_date}\n", 2, "has no order"),
    ("properties:\n  - {id: x, kind: teleport}\n", 2, "unknown kind `teleport`"),
    ("properties:\n  - {id: x, kind: subsumes, a: xicheng}\n", 2, "is missing `b`"),
    ("properties:\n  - {id: x, kind: no_contradictions, jurisdiction: {a: 1}}\n", 2, "must be an identifier"),
    ("properties:\n  - {id: x, kind: no_contradictions}\n  - {id: x, kind: no_contradictions}\n", 3,
     "a second property with the id"),
])
def test_properties_are_read_strictly(tmp_path, text, line, fragment):
    f = tmp_path / "props.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_properties(f, load_policy())
    assert fragment in info.value.message and info.value.line == line, str(info.value)
