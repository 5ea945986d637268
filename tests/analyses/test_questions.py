"""Which question next (solver/questions.py) and `wrp interview`, driven through stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from policy.load import load_policy
from solver.decide import decide
from solver.procedures.facts import load_procedure_profile, procedure_facts_from_dict
from solver.questions import candidate_values, next_questions, with_fact

ROOT = Path(__file__).resolve().parents[2]
PARTIAL = ROOT / "examples" / "changping_undetermined_missing.yaml"
SPARSE = {"application": {"date": "2022-04-06"}, "employer": {"registered_district": "daxing"}}


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_ranked_by_the_number_of_jurisdictions_settled(policy):
    facts = procedure_facts_from_dict(SPARSE, policy)
    qs = next_questions(policy, facts, home="daxing")
    counts = [len(q.settles) for q in qs]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2
    assert qs[0].fact == "applicant.residence.stable"  # required by beijing, daxing and xicheng alike


def test_a_settled_jurisdiction_is_settled_by_the_datalog_engine(policy):
    """Replay: for each question, some candidate value makes every jurisdiction it claims to settle
    determined — decided again by Datalog, the engine of record."""
    facts = procedure_facts_from_dict(SPARSE, policy)
    for q in next_questions(policy, facts, home="daxing")[:4]:
        for jid in q.settles:
            statuses = set()
            for v in candidate_values(policy, q.fact, facts, []) or []:
                new = with_fact(policy, facts, q.fact, v)
                if new is not None:
                    statuses.add(decide(policy, jid, new).status)
            if statuses == {"undetermined"}:  # numbers: the thresholds come from the open programs
                from solver.questions import _programs
                progs = [_programs(policy, facts, False)[jid]]
                statuses = {decide(policy, jid, n).status for v in candidate_values(policy, q.fact, facts, progs)
                            if (n := with_fact(policy, facts, q.fact, v)) is not None}
            assert statuses - {"undetermined"}, (q.fact, jid)


def test_one_missing_fact_alone_decides_the_employers_district(policy, tmp_path):
    facts = load_procedure_profile(ROOT / "examples" / "changping_eligible.yaml", policy)
    stated = dict(facts.stated)
    stated.pop("applicant.labor_dispatch")
    from solver.questions import _unflatten
    partial = procedure_facts_from_dict(_unflatten(stated), policy)
    assert decide(policy, "changping", partial).status == "undetermined"
    q = next_questions(policy, partial, home="changping")
    assert q[0].fact == "applicant.labor_dispatch" and q[0].decides_home and q[0].settles == ["changping"]


def test_a_complete_profile_has_no_question_for_a_determined_district(policy):
    facts = load_procedure_profile(ROOT / "examples" / "changping_eligible.yaml", policy)
    assert all("changping" not in q.settles for q in next_questions(policy, facts, home="changping"))


def test_check_json_and_text_show_the_next_questions(capsys):
    assert cli.main(["check", str(PARTIAL), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "undetermined"
    facts = [q["fact"] for q in data["next_questions"]]
    # every fact the answer depends on, and the tenure too: a vocabulary constraint ties it to the
    # social insurance months (tenure 3 leaves them at most 3, too few)
    assert set(facts) == set(data["unknown"]) | {"applicant.months_with_employer"}
    assert facts.index("applicant.social_insurance_months") < facts.index("applicant.months_with_employer")
    assert all(q["settles"] == ["changping"] and q["label"]["zh"] for q in data["next_questions"])
    assert cli.main(["explain", str(PARTIAL), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "下一步要问的问题" in out and "1. 在申请单位连续缴纳社保和个税（applicant.social_insurance_months）" in out


def _interview(args, stdin: str):
    wrp = Path(sys.executable).parent / "wrp"
    return subprocess.run([str(wrp), "interview", *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_interview_asks_the_most_decisive_first_and_writes_a_new_file(tmp_path):
    out = tmp_path / "done.yaml"
    before = PARTIAL.read_bytes()
    # social insurance: a bad answer, then 24 (the tenure, at least as long, then cannot matter); income: 15000
    r = _interview([str(PARTIAL), "--output", str(out)], "abc\n24\n15000\n")
    assert r.returncode == 0, r.stderr
    assert PARTIAL.read_bytes() == before
    asked = [line for line in r.stdout.splitlines() if "applicant." in line]
    assert "applicant.social_insurance_months" in asked[0]
    assert "must be a number, got `abc`" in r.stdout
    assert "Every jurisdiction's answer is determined." in r.stdout
    text = out.read_text(encoding="utf-8")
    assert "social_insurance_months: 24" in text and "monthly_avg_12m: 15000" in text
    assert text.startswith("# 昌平")  # comments kept
    check = subprocess.run([str(Path(sys.executable).parent / "wrp"), "check", str(out), "--format", "json"],
                           capture_output=True, text=True)
    assert json.loads(check.stdout)["status"] == "eligible"


def test_interview_unknown_is_not_asked_again(tmp_path):
    out = tmp_path / "stuck.yaml"
    # social insurance: unknown; income: 15000; the tenure (a short one would settle it through the
    # constraint tenure >= social insurance): unknown too — then nothing left can settle an answer
    r = _interview([str(PARTIAL), "--output", str(out)], "unknown\n15000\nunknown\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("applicant.social_insurance_months") == 1
    assert r.stdout.count("applicant.months_with_employer") == 1
    assert "No fact left to ask can determine more answers." in " ".join(r.stdout.split())
    assert "social_insurance_months:" not in out.read_text(encoding="utf-8")


def test_interview_in_chinese_and_eof_keeps_what_was_answered(tmp_path):
    out = tmp_path / "part.yaml"
    r = _interview([str(PARTIAL), "--output", str(out), "--lang", "zh"], "30\n")
    assert r.returncode == 0, r.stderr
    assert "在申请单位连续缴纳社保和个税" in r.stdout and "输入结束" in r.stdout
    assert "social_insurance_months: 30" in out.read_text(encoding="utf-8")


def test_interview_never_overwrites(tmp_path):
    existing = tmp_path / "x.yaml"
    existing.write_text("keep")
    r = _interview([str(PARTIAL), "--output", str(existing)], "")
    assert r.returncode == 2 and "never overwrites" in r.stderr and existing.read_text() == "keep"
    r = _interview([str(PARTIAL), "--output", str(PARTIAL)], "")
    assert r.returncode == 2 and "new file" in r.stderr


COMPLETE = ["changping_eligible", "daxing_eligible", "xicheng_eligible_degree", "chaoyang_eligible"]


def _partial(policy, name, drop):
    from solver.questions import _unflatten
    facts = load_procedure_profile(ROOT / "examples" / f"{name}.yaml", policy)
    stated = {k: v for k, v in facts.stated.items() if k not in drop}
    return procedure_facts_from_dict(_unflatten(stated), policy)


def test_questions_replayed_through_datalog(policy):
    """Property (hypothesis): drop facts from examples; every question is about a fact the profile leaves
    out, each jurisdiction it claims to settle is settled by one of its values, every fact Datalog names
    as deciding an undetermined answer is considered, and a question said to decide the employer's district
    alone does so for every value tried — replayed through Datalog."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from solver.questions import home_district

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(COMPLETE), st.data())
    def prop(name, data):
        full = load_procedure_profile(ROOT / "examples" / f"{name}.yaml", policy)
        names = sorted(k for k in full.stated if k not in ("application.date", "employer.registered_district"))
        drop = data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=4))
        facts = _partial(policy, name, drop)
        home = home_district(policy, facts)
        deciding = set()
        for jid in policy.ids():
            d = decide(policy, jid, facts)
            if d.status == "undetermined":
                deciding |= set(d.unknown)
        qs = next_questions(policy, facts, home=home)
        from solver.questions import _programs
        for q in qs:
            assert facts.stated.get(q.fact) is None, q.fact
            for jid in q.settles:  # some value settles it, say Datalog and the exact refinement
                prog = [_programs(policy, facts, False)[jid]]
                assert any(decide(policy, jid, new).status != "undetermined"
                           for v in candidate_values(policy, q.fact, facts, prog)
                           if (new := with_fact(policy, facts, q.fact, v)) is not None), (q.fact, jid)
        # every fact an open answer depends on directly is considered (it settles one or not)
        assert deciding <= {q.fact for q in qs}
        for q in qs:
            if q.decides_home:
                from solver.questions import _programs
                progs = [_programs(policy, facts, False)[home]]
                for v in candidate_values(policy, q.fact, facts, progs):
                    new = with_fact(policy, facts, q.fact, v)
                    if new is not None:
                        assert decide(policy, home, new).status != "undetermined", (q.fact, v)

    prop()


def test_interview_bad_answer_names_the_field_not_the_profile_file(tmp_path):
    # the answer was typed: a position in the profile file would point at the wrong thing
    r = _interview([str(PARTIAL), "--output", str(tmp_path / "o.yaml")], "-3\n[bold]x\n36\n")
    assert r.returncode == 0, r.stderr
    bad = [line for line in r.stdout.splitlines() if line.startswith("not valid")]
    assert bad[0] == "not valid: `applicant.social_insurance_months`: must be at least 0, got `-3`"
    assert bad[1].endswith("got `[bold]x`")  # the user's text shown as typed, not read as markup


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_interview_status_line_names_jurisdictions_in_the_language(lang):
    from solver.interview import _status_line
    policy = load_policy()
    facts = load_procedure_profile(PARTIAL, policy)
    line = _status_line(policy, facts, False, lang)
    for jid in policy.ids():
        name = policy.version(jid, facts.date)[0].name[lang]
        assert f"{name} " in line
        if name != jid:
            assert f"{jid} " not in line, line


# --- exact against a brute force ------------------------------------------------------------------

BRUTE = [  # (example, facts left out, facts whose questions are checked)
    ("changping_eligible", {"applicant.birth_date", "applicant.sex"}, ["applicant.birth_date", "applicant.sex"]),
    ("daxing_eligible", {"applicant.work_experience_years", "applicant.months_with_employer"},
     ["applicant.work_experience_years", "applicant.months_with_employer"]),
    ("daxing_rejected_retirement", {"applicant.sex", "applicant.female_category"},
     ["applicant.sex", "applicant.female_category"]),
    ("changping_undetermined_missing", set(),
     ["applicant.social_insurance_months", "applicant.months_with_employer", "applicant.income.monthly_avg_12m"]),
    ("xicheng_rejected_income", {"applicant.income.monthly_avg_12m", "applicant.degree"},
     ["applicant.income.monthly_avg_12m", "applicant.degree"]),
    ("beijing_rejected_experience", {"applicant.work_experience_years", "applicant.title"},
     ["applicant.work_experience_years", "applicant.title"]),
]


def _dense(policy, name, facts):
    """Values of ``name`` on a dense grid, independent of the rules' thresholds."""
    import datetime as dt
    spec = policy.vocabulary.facts[name]
    if spec.type == "bool":
        return [False, True]
    if spec.type == "enum":
        return list(spec.choices)
    if spec.type == "date":  # every month of birth from 15 to 70 years old, on the 1st (and every 4th on the 28th)
        out = []
        for m in range(15 * 12, 70 * 12):
            y, mm = divmod(facts.date.year * 12 + facts.date.month - 1 - m, 12)
            out += [dt.date(y, mm + 1, 1).isoformat()] + ([dt.date(y, mm + 1, 28).isoformat()] if m % 4 == 0 else [])
        return out
    if spec.type == "decimal":
        return [x / 4 for x in range(0, 4 * 40)]
    if name.endswith("months") or spec.type == "int":
        return list(range(0, 150))
    return list(range(0, 40_000, 500))


@pytest.mark.parametrize("example,drop,checked", BRUTE, ids=[b[0] for b in BRUTE])
def test_settles_and_decides_agree_with_a_brute_force(policy, example, drop, checked):
    """A fact settles a jurisdiction iff some value on a dense grid makes its answer determined, and
    decides it alone iff every valid value does — each answer decided exactly by the brute-force oracle
    (solver.exact.oracle: pure Python, no z3), independently of the values next_questions tries."""
    from solver.exact import oracle
    from solver.questions import _programs, home_district
    facts = _partial(policy, example, drop) if drop else load_procedure_profile(ROOT / "examples" /
                                                                                f"{example}.yaml", policy)
    progs = _programs(policy, facts, False)
    open_ = [j for j in policy.ids()
             if oracle(policy, [progs[j].root], facts, max_holes=64, limit=100_000).status[id(progs[j].root)] is None]
    assert open_, "the case must leave some answer open"
    qs = {q.fact: q for q in next_questions(policy, facts, home=home_district(policy, facts))}
    for name in checked:
        settles, decides = set(), set(open_)
        for v in _dense(policy, name, facts):
            new = with_fact(policy, facts, name, v)
            if new is None:
                continue
            for j in open_:
                ex = oracle(policy, [progs[j].root], new, max_holes=64, limit=100_000)  # no hand-over to z3
                assert not ex.warnings, ex.warnings
                if ex.status[id(progs[j].root)] is None:
                    decides.discard(j)
                else:
                    settles.add(j)
        q = qs.get(name)
        got = (set(q.settles), set(q.decides)) if q else (set(), set())
        assert got == (settles, decides & settles), name
