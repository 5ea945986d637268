"""The suite's district-generic checks, run on the shipped rules plus one more district (a throwaway pack
that extends the shipped rules): adding a jurisdiction breaks none of them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cli
from policy.pack import load_pack
from solver.backends.datalog import node_status
from solver.backends.reference import node_status as reference_status
from solver.program import compile_program
from tests.backends.test_properties import assert_every_clause_both_holds_and_fails
from tests.generate import districts_without_rules, facts, homes
from tests.packs import profile_in, write_pack


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    root, d = write_pack(tmp_path_factory.mktemp("extended") / "pack")
    return root, d, load_pack(root)


def test_the_extra_district_is_there(extended):
    root, d, policy = extended
    assert d in policy.ids() and homes(policy)[d] == d
    assert d not in districts_without_rules(policy)


def test_every_clause_both_holds_and_fails_with_an_extra_district(extended):
    assert_every_clause_both_holds_and_fails(extended[2])


@given(data=st.data())
def test_backends_agree_with_an_extra_district(extended, data):
    _, d, policy = extended
    jid = data.draw(st.sampled_from([d, *policy.ids()]))
    f = data.draw(facts(policy, near=jid, partial=data.draw(st.booleans())))
    j, _ = policy.version(jid, f.date)
    prog = compile_program(j, f.wage, False)
    assert node_status(prog, f) == reference_status(prog, f), jid


def test_district_all_and_the_fallback_with_an_extra_district(capsys, tmp_path, extended):
    root, d, policy = extended
    assert cli.main(["check", str(profile_in(tmp_path, d)), "--rules", str(root), "--district", "all",
                     "--format", "json"]) == 0
    assert [x["district"] for x in json.loads(capsys.readouterr().out)] == policy.ids()
    free = districts_without_rules(policy)[0]
    assert cli.main(["check", str(profile_in(tmp_path, free)), "--rules", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["district"] == "beijing" and any(free in w for w in data["warnings"])
