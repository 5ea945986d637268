"""Rules packs (policy/pack.py): a throwaway district with its own source text and a new fact, added as a
pack with no change to the package, through check, missing, conflicts, verify and lint; errors that name
the pack's file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cli
from policy.errors import InputError
from policy.load import POLICY_DIR
from policy.pack import load_pack, open_pack
from tests.packs import profile_in, write_pack


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return write_pack(tmp_path_factory.mktemp("pack") / "pack")


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_shipped_rules_are_a_pack():
    p = open_pack(POLICY_DIR)
    assert p.shipped and p.jurisdictions == sorted((POLICY_DIR / "jurisdictions").glob("*.yaml"))
    policy = load_pack(POLICY_DIR)
    assert policy.ids() == [j for j in policy.ids() if (POLICY_DIR / "jurisdictions" / f"{j}.yaml").exists()]


def test_pack_adds_a_district_a_fact_and_a_source(pack):
    root, d = pack
    policy = load_pack(root)
    shipped = load_pack(POLICY_DIR)
    assert set(policy.ids()) == {*shipped.ids(), d}
    assert "applicant.district_talent_card" in policy.vocabulary.facts
    assert "applicant.district_talent_card" not in shipped.vocabulary.facts
    assert f"900_{d}_test.txt" in policy.sources and set(shipped.sources) < set(policy.sources)


def test_check_and_explain(capsys, tmp_path, pack):
    root, d = pack
    rc, out, err = run(capsys, "check", profile_in(tmp_path, d), "--rules", root, "--format", "json")
    assert rc == 0, err
    data = json.loads(out)
    assert (data["district"], data["status"]) == (d, "eligible")
    assert [p["id"] for p in data["pathways"] if p["status"] == "satisfied"] == [f"{d}.pathway.1"]
    poor = profile_in(tmp_path, d, **{"monthly_avg_12m: 15000": "monthly_avg_12m: 12000"})
    data = json.loads(run(capsys, "check", poor, "--rules", root, "--format", "json")[1])
    assert data["status"] == "ineligible"
    assert data["failed"][0]["clause"] == f"{d}.applicant.income"
    assert data["failed"][0]["cite"]["source"] == f"900_{d}_test.txt"
    rc, out, _ = run(capsys, "explain", poor, "--rules", root, "--lang", "zh")
    assert rc == 0 and "1.3倍" in out


def test_missing_uses_the_new_fact(capsys, tmp_path, pack):
    root, d = pack
    no_degree = profile_in(tmp_path, d, **{"degree: bachelor": "degree: none",
                                            "education: undergraduate": "education: none",
                                            "award_winner: false": "award_winner: false\n  district_talent_card: false"})
    rc, out, err = run(capsys, "missing", no_degree, "--rules", root, "--format", "json")
    assert rc == 0, err
    data = json.loads(out)
    changed = {c["fact"] for s in data["suggestions"] for c in s["changes"]}
    assert "applicant.district_talent_card" in changed or "applicant.degree" in changed
    per_pathway = {p["pathway"] for p in data.get("per_pathway", [])} if "per_pathway" in data else set()
    assert not per_pathway or f"{d}.pathway.2" in per_pathway


def test_conflicts_against_the_city_rule(capsys, pack):
    root, d = pack
    rc, out, err = run(capsys, "conflicts", "--rules", root, "--districts", f"beijing,{d}", "--topic",
                       "income_threshold", "--date", "2021-09-15", "--no-procedures", "--format", "json")
    assert rc == 0, err
    pair = json.loads(out)["pairs"][0]
    witnesses = [w["witness"] for side in ("eligible_in_a_not_b", "eligible_in_b_not_a") for w in pair.get(side, [])
                 if w["status"] == "found"]
    assert any(w["rejected_by"] == d for w in witnesses) or any(w["accepted_by"] == d for w in witnesses), pair


def test_verify_the_pack(capsys, pack):
    root, d = pack
    rc, out, err = run(capsys, "verify", "--rules", root, "--date", "2021-09-15", "--format", "json")
    assert rc == 0, out[-2000:] + err
    data = json.loads(out)
    assert data["ok"] and any(r["jurisdiction"] == d and r["status"] == "holds" for r in data["properties"])


def test_lint_the_pack(capsys, pack):
    root, d = pack
    rc, out, err = run(capsys, "lint", "--rules", root)
    assert rc == 0, err
    assert f"{d}.yaml: {d}" in out and f"{d}: no procedure file ({root}/procedures/{d}.yaml)" in out


# --- errors name the pack's file ---------------------------------------------------------------------------


def _copy(pack, tmp: Path) -> Path:
    dst = tmp / "copy"
    shutil.copytree(pack[0], dst)
    return dst


def _lint_error(capsys, root: Path) -> str:
    rc, out, err = run(capsys, "lint", "--rules", root)
    assert rc == 2 and out == "" and err.count("\n") == 1, err
    return err


def test_redefining_a_shipped_fact_is_an_error(capsys, tmp_path, pack):
    root = _copy(pack, tmp_path)
    (root / "vocabulary.yaml").write_text("facts:\n  applicant.degree:\n    type: bool\n    label: {zh: 学位, en: degree}\n",
                                          encoding="utf-8")
    err = _lint_error(capsys, root)
    assert f"{root / 'vocabulary.yaml'}:2:3: `applicant.degree`: `applicant.degree` is a shipped fact" in err


def test_a_quote_not_in_the_packs_source(capsys, tmp_path, pack):
    root = _copy(pack, tmp_path)
    src = next((root / "sources").glob("*.txt"))
    src.write_text(src.read_text(encoding="utf-8").replace("1.3倍", "1.4倍"), encoding="utf-8")
    err = _lint_error(capsys, root)
    assert str(root / "jurisdictions") in err and f"the quote is not found verbatim in {src.name}" in err
    assert "policy/jurisdictions" not in err


def test_a_shipped_source_name_with_another_text(capsys, tmp_path, pack):
    root = _copy(pack, tmp_path)
    (root / "sources" / "001_be62ffba661c98fa.txt").write_text("另一个文本", encoding="utf-8")
    err = _lint_error(capsys, root)
    assert str(root / "sources" / "001_be62ffba661c98fa.txt") in err and "another name" in err


@pytest.mark.parametrize("name, words", [("notes.yaml", "unknown file in a rules pack"),
                                         ("rules/", "unknown directory in a rules pack"),
                                         ("params/wages.yaml", "unknown parameter file")])
def test_files_out_of_place(capsys, tmp_path, pack, name, words):
    root = _copy(pack, tmp_path)
    target = root / name.rstrip("/")
    if name.endswith("/"):
        target.mkdir()
    else:
        target.parent.mkdir(exist_ok=True)
        target.write_text("x: 1\n", encoding="utf-8")
    err = _lint_error(capsys, root)
    assert str(target) in err and words in err


def test_a_bad_manifest(tmp_path, pack):
    root = _copy(pack, tmp_path)
    (root / "pack.yaml").write_text("extends: everything\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_pack(root)
    assert e.value.file == str(root / "pack.yaml") and e.value.line == 1


def test_a_standalone_pack_has_only_its_own_jurisdictions(tmp_path, pack):
    root = _copy(pack, tmp_path)
    (root / "pack.yaml").unlink()
    assert load_pack(root).ids() == [pack[1]]
