"""The policy loader refuses bad jurisdiction files: one fixture per error kind (tests/fixtures/bad_policy/),
each an ``InputError`` whose ``file:line:col`` points at the offending line and which names the field;
``wrp lint FILE`` turns it into exit 2 and one line on stderr, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from policy.errors import InputError
from policy.load import load_jurisdiction, load_policy

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad_policy"

# fixture -> (line, col, the field the error names, a fragment of the message)
CASES = {
    "unknown_key_meta.yaml": (5, 3, "isuer", "unknown key `isuer` in `meta`"),
    "unknown_key_clause.yaml": (20, 5, "strenght", "unknown key `strenght` in a clause"),
    "unknown_key_condition.yaml": (23, 7, "gte", "unknown key `gte` in a condition"),
    "duplicate_key.yaml": (18, 5, "topic", 'duplicate key "topic"'),
    "duplicate_clause_id.yaml": (16, 5, "id", "duplicate clause id `testville.employer.capital`"),
    "wrong_type_date.yaml": (8, 5, "from", "must be a date YYYY-MM-DD"),
    "wrong_type_list.yaml": (19, 7, "cite", "`cite` must be a mapping"),
    "wrong_type_clauses.yaml": (9, 1, "employer", "`employer` must be a list"),
    "missing_key.yaml": (16, 5, "quote", "a clause is missing `quote`"),
    "quote_not_verbatim.yaml": (19, 5, "quote", "not found verbatim in 001_be62ffba661c98fa.txt"),
    "unknown_source_file.yaml": (18, 12, "source", "unknown source `009_nope.txt`"),
    "unknown_source_meta.yaml": (10, 7, "sources", "unknown source `009_nope.txt`"),
    "undeclared_fact.yaml": (22, 7, "employer.annual_tax", "undeclared fact `employer.annual_tax`"),
    "unknown_topic.yaml": (17, 5, "topic", "unknown topic `employer_taxes`"),
    "bad_strength.yaml": (20, 5, "strength", "strength is `required` or `in_principle`"),
    "enum_not_choice.yaml": (23, 7, "applicant.degree", "`phd` is not a choice of `applicant.degree`"),
    "unordered_enum.yaml": (23, 7, "employer.legal_form", "`employer.legal_form` has no order"),
    "bool_vs_number.yaml": (23, 7, "employer.high_tech", "`employer.high_tech` is yes/no"),
    "yaml_syntax.yaml": (23, 7, None, "invalid YAML: expected ',' or '}'"),
    "unknown_threshold_param.yaml": (25, 9, "param", "unknown parameter `wage.daily`"),
    # issue 9: citations checked against the structure of the source, ids, dates, labels
    "section_not_in_source.yaml": (13, 46, "section", "the section `二、（五）` is not in 001_be62ffba661c98fa.txt: "
                                   "no heading （五） inside 二、"),
    "quote_outside_section.yaml": (20, 5, "quote", "the quote is not inside the cited section `二、（一）` of "
                                   "001_be62ffba661c98fa.txt (it is at line 47)"),
    "clause_id_prefix.yaml": (11, 5, "id", "the clause id `changping.employer.capital` must start with the "
                              "jurisdiction id `testville.`"),
    "impossible_date.yaml": (8, 11, None, "`2021-02-30` is not a real date"),
    "enum_chinese_label.yaml": (21, 36, "applicant.degree", "`硕士` is not a choice of `applicant.degree`: use `master` (硕士)"),
}
# Errors whose InputError.field is not set, although the message names the field: how the message names it.
NO_FIELD = {"wrong_type_list.yaml": "`cite`", "duplicate_key.yaml": '"topic"'}


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def _load_error(policy, name: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_jurisdiction(BAD / name, policy.vocabulary, policy.params, policy.sources)
    return info.value


def test_every_fixture_has_a_case():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_header_states_the_line(name):
    """Each fixture says in its first line which line is wrong; keep it in step with CASES."""
    header = (BAD / name).read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# BAD ON PURPOSE")
    assert f"line {CASES[name][0]})" in header


@pytest.mark.parametrize("name", sorted(CASES))
def test_loader_error_points_at_the_line(policy, name):
    line, col, _, fragment = CASES[name]
    e = _load_error(policy, name)
    assert (e.file, e.line, e.col) == (str(BAD / name), line, col)
    assert str(e).startswith(f"{BAD / name}:{line}:{col}: ")
    assert fragment in e.message
    assert "\n" not in str(e)


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][2] is not None))
def test_loader_error_names_the_field(policy, name):
    field = CASES[name][2]
    e = _load_error(policy, name)
    if name in NO_FIELD:
        assert NO_FIELD[name] in e.message
    else:
        assert e.field == field
        assert f"`{field}`: " in str(e)


def test_yaml_syntax_error_has_no_field_but_a_position(policy):
    e = _load_error(policy, "yaml_syntax.yaml")
    assert e.field is None and e.line == 23


def test_undeclared_fact_suggests_a_declared_one(policy):
    assert "did you mean" in _load_error(policy, "undeclared_fact.yaml").message
    assert "`employer.avg_annual_tax_2y`" in _load_error(policy, "undeclared_fact.yaml").message


def test_enum_error_lists_the_choices(policy):
    assert "choices: none, bachelor, master, doctor" in _load_error(policy, "enum_not_choice.yaml").message


# `wrp lint FILE` loads the whole shipped policy first (~0.4 s): a few kinds suffice for the CLI path.
LINT_CASES = ["duplicate_key.yaml", "quote_not_verbatim.yaml", "unknown_threshold_param.yaml",
              "section_not_in_source.yaml", "quote_outside_section.yaml", "clause_id_prefix.yaml",
              "impossible_date.yaml", "enum_chinese_label.yaml"]


@pytest.mark.parametrize("name", LINT_CASES)
def test_lint_exits_2_with_one_line(name, capsys):
    line, col, _, fragment = CASES[name]
    assert cli.main(["lint", str(BAD / name)]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert "Traceback" not in cap.err
    lines = cap.err.splitlines()
    assert len(lines) == 1, cap.err
    assert lines[0].startswith(f"wrp: error: {BAD / name}:{line}:{col}: ")
    assert fragment in lines[0]


def test_lint_missing_file(capsys):
    assert cli.main(["lint", str(BAD / "no_such_file.yaml")]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"wrp: error: .*no_such_file\.yaml: no such file\n", err)


def test_lint_subprocess_bad_file():
    """The installed entry point: exit 2, one line, no traceback."""
    wrp = Path(sys.executable).with_name("wrp")
    name = "unknown_key_meta.yaml"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}  # 80 columns: no wrapping
    r = subprocess.run([str(wrp), "lint", str(BAD / name)], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines() == [f"wrp: error: {BAD / name}:5:3: `isuer`: unknown key `isuer` in `meta`; "
                                     "allowed: document, id, in_force, issuer, name, note, sources"]


def test_choice_zh_must_name_choices(tmp_path):
    """A vocabulary ``choice_zh`` key that is not a choice is refused at its line, naming the key."""
    from policy.load import POLICY_DIR, load_vocabulary
    text = (POLICY_DIR / "vocabulary.yaml").read_text(encoding="utf-8")
    bad = text.replace("choice_zh: {male: 男, female: 女}", "choice_zh: {male: 男, femal: 女}")
    assert bad != text
    path = tmp_path / "vocabulary.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_vocabulary(path, POLICY_DIR / "topics.yaml")
    line = next(i for i, s in enumerate(bad.splitlines(), 1) if "femal: 女" in s)
    assert f"{path}:{line}:" in str(info.value) and "`femal` is not a choice" in str(info.value)
