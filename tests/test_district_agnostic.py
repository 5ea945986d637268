"""The suite's district-generic checks, run on the shipped rules plus one more district (a throwaway pack
that extends the shipped rules): adding a jurisdiction breaks none of them."""

from __future__ import annotations

import json
import random

import pytest

import cli
from policy.pack import load_pack
from solver.backends.datalog import node_status
from solver.backends.reference import node_status as reference_status
from solver.facts import facts_from_dict
from solver.program import compile_program
from tests.packs import profile_in, write_pack
from tests.profiles import districts_without_rules, homes, mutate, nest, ordinary
from tests.test_properties import assert_every_clause_both_holds_and_fails


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


def test_backends_agree_with_an_extra_district(extended):
    _, _, policy = extended
    rng = random.Random(12)
    for jid in policy.ids():
        for _ in range(6):
            facts = facts_from_dict(nest(mutate(ordinary(jid, policy=policy), rng, policy)), policy)
            j, _ = policy.version(jid, facts.date)
            prog = compile_program(j, facts.wage, False)
            assert node_status(prog, facts) == reference_status(prog, facts), jid


def test_district_all_and_the_fallback_with_an_extra_district(capsys, tmp_path, extended):
    root, d, policy = extended
    assert cli.main(["check", str(profile_in(tmp_path, d)), "--rules", str(root), "--district", "all",
                     "--format", "json"]) == 0
    assert [x["district"] for x in json.loads(capsys.readouterr().out)] == policy.ids()
    free = districts_without_rules(policy)[0]
    assert cli.main(["check", str(profile_in(tmp_path, free)), "--rules", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["district"] == "beijing" and any(free in w for w in data["warnings"])
