"""The minimum missing condition: the cheapest change that makes an applicant eligible (MaxSMT).

Every fact of the profile that a rule reads becomes a z3 term (``solver.backends.smt.terms.Lin``):

* **fixed** (birth date, sex, hukou …; employer facts unless ``allow``ed; facts in ``keep``): its
  value now, bound through an assumption literal ``fix_<fact>`` so that, when nothing works, the
  unsat core names the fixed facts that block it;
* **time** (work experience, tenure, months of social insurance, years registered; age and the
  months to retirement): value now + ``per_month`` × *w*, one wait variable *w* (whole months) for
  all of them, 1 point a month. The application date moves with *w*, and so do the average wage
  and the version of the rules in force (one encoding per "epoch" of the next years); ageing past
  the retirement age can make waiting useless ("never by waiting");
* **effort**: value now + a free delta; cost = ``cost`` × ⌈|delta| / ``unit``⌉ (a step function: the
  vocabulary's ``unit`` is the size of one step — +2,111 元/月 with unit 1,000 is 3 steps); an
  unordered enum or a yes/no costs ``cost`` when changed. Money and counts move in whole units;
* **unknown** (not in the profile): free, cost 0 — the answer names the values it *assumed*.

The objective is lexicographic: total points, then the smallest deltas (so the income lands exactly
on the threshold, 14,111, not anywhere in the same step). Alternatives: each answer's change set
is blocked (at least one of its changes must be left out) and the query asked again.

Soundness: every suggestion is applied to the profile (shifted by the wait, on the later date) and
re-checked with the Datalog backend; one that does not replay raises ``AssertionError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction

from policy.caching import cache
from policy.errors import InputError
from policy.expr import SYMBOL, Cmp, Expr, all_of, evaluate
from policy.i18n import Msg, cat, fact_label, word
from policy.load import Policy
from solver.analyses.common import reference_facts
from solver.analyses.missing.epochs import epochs
from solver.analyses.missing.guess import guess
from solver.analyses.missing.result import UNKNOWN_MSG, Blocker, FactChange, MissingResult, PathwayMissing, Suggestion
from solver.backends.smt.change import AGE, BIRTH, WAIT, ChangeModel
from solver.backends.smt.optimum import block, blockers, optimum, read, smallest, values_of
from solver.backends.smt.session import UNKNOWN_TEXT, BudgetExhausted
from solver.backends.smt.worker import on_z3_thread
from solver.calendar import add_months
from solver.decide import Verdict, verdict
from solver.facts import Facts, display, wage_for, wage_on
from solver.program import Program, comparisons, compile_program


@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
def missing(policy: Policy, jid: str, facts: Facts, keep: Iterable[str] = (), allow: Iterable[str] = (),
            top: int = 3, lenient: bool = False) -> MissingResult:
    """The cheapest changes that make the applicant eligible under ``jid``: overall (``top``
    alternatives with distinct change sets) and per pathway; the fixed facts that block it otherwise.

    Example:
        >>> from fractions import Fraction
        >>> from policy.load import load_policy
        >>> from solver.facts import facts_from_dict
        >>> pol = load_policy()
        >>> f = facts_from_dict({"application": {"date": "2021-09-15"},
        ...     "applicant": {"income": {"monthly_avg_12m": 9000}}}, pol)
        >>> r = missing(pol, "changping", f)
        >>> r.overall[0].changes[0].after, r.overall[0].changes[0].threshold
        (Fraction(11288, 1), '1.2 × 9,407 (2020 monthly average wage) = 11,288.4 → 11,288 (rounded to whole 元)')
    """
    keep, allow = _names(policy, keep, "--keep"), _names(policy, allow, "--allow")
    # The decision now, by the Datalog backend: its status and satisfied pathways (``verdict``; the
    # proof that ``decide`` would build is not shown here), with ``decide``'s warnings.
    j, warning = policy.version(jid, facts.date)
    now = verdict(policy, jid, facts, lenient=lenient)
    res = MissingResult(jid, j.name, facts.date, now.status, lenient, [], [], [],
                        list(facts.warnings) + ([warning] if warning else []))
    if now.status == "eligible":
        return res
    eps, relevant = epochs(policy, j, facts.date, wage_for(policy.params, facts, j.id), lenient)
    m = ChangeModel(policy, j, facts, keep, allow, lenient, eps, relevant)
    replays: dict[tuple[str, frozenset], Verdict | tuple[dict[str, Fraction], Verdict]] = {}
    try:
        # Overall first: the cheapest answer is also the cheapest for every pathway it satisfies.
        blocks: list = []
        best = None
        floor: list[int] | None = None
        first: list[int] | None = None  # no pathway is cheaper than the overall answer
        reachable = True
        for i in range(max(top, 1)):
            found = optimum(m, None, blocks, guess(m, None), floor)
            if found is None:
                reachable = i > 0
                break
            floor = values_of(m, found)  # the next alternative costs at least as much
            first = first or floor
            model = smallest(m, found, None, blocks)
            best = best or model
            if i >= top:
                break
            sug = _suggestion(policy, jid, m, model, lenient, replays, None)
            res.overall.append(sug)
            blocked = sorted(sug.change_set)
            if not blocked:
                break  # nothing to change but unknowns to assume: no alternative is cheaper
            blocks.append(block(m, blocked))
        if not reachable:
            res.blocked_by = _blockers(m, None)
        for p in j.pathways:
            st = "satisfied" if p.id in now.satisfied else "not satisfied"
            model = None
            if best is not None and m.meets(best, p.id):
                model = best
            elif reachable:
                # the overall cost is the likely optimum of a pathway that needs assumed facts
                found = optimum(m, p.id, [], guess(m, p.id), first, {"cost": [first[-1]]})
                model = smallest(m, found, p.id, []) if found is not None else None
            if model is None:
                res.pathways.append(PathwayMissing(p.id, p.title, "blocked", None, _blockers(m, p.id)))
                continue
            sug = _suggestion(policy, jid, m, model, lenient, replays, p.id)
            status = "satisfied" if st == "satisfied" and not sug.changes and not sug.wait_months else "reachable"
            res.pathways.append(PathwayMissing(p.id, p.title, status, sug))
    except BudgetExhausted as e:
        res.note = Msg(f"{UNKNOWN_TEXT}: {e.reason}", f"{UNKNOWN_MSG.zh}：{e.reason}") if e.reason else UNKNOWN_MSG
    # the warnings of the decision on each suggested date (e.g. that year's average wage is not published
    # and the previous one is used) are carried, once each
    for s in [*res.overall, *(p.suggestion for p in res.pathways if p.suggestion is not None)]:
        if s.wait_months:
            w = wage_on(policy.params, s.eligible_on, jid).warning
            _, vw = policy.version(jid, s.eligible_on)
            for x in (w, vw):
                m = Msg(f"on {s.eligible_on}: {x}", f"{s.eligible_on}：{getattr(x, 'zh', x)}") if x else None
                if m and m not in res.warnings:
                    res.warnings.append(m)
    return res


def _blockers(m: ChangeModel, pathway: str | None) -> list[Blocker]:
    """The fixed facts that block the goal (a canonical minimal core), with their values."""
    out = []
    for name in blockers(m, pathway):
        if name == BIRTH:
            age = m.facts.values.get(AGE)
            val = m.facts.stated.get(BIRTH, None)
            out.append(Blocker(BIRTH, m.vocab.facts[BIRTH].label,
                               cat(f"{val} (", Msg("age", "年龄"), " ", display(m.policy, AGE, age), "; ",
                                   Msg("retirement", "退休年龄"), " ", m.facts.retirement.get("age", "?"), ")")))
        else:
            out.append(Blocker(name, m.vocab.spec(name).label, display(m.policy, name, m.facts.values.get(name))))
    return out


def _names(policy: Policy, names: Iterable[str], option: str) -> set[str]:
    out: set[str] = set()
    for n in names:
        spec = policy.vocabulary.facts.get(n)
        if spec is None:
            raise InputError(f"unknown fact `{n}`; see policy/vocabulary.yaml", field=option)
        out |= set(spec.numeric_names)
        out.add(n)
    return out


def _suggestion(policy: Policy, jid: str, m: ChangeModel, model, lenient: bool,
                replays: dict, pathway: str | None) -> Suggestion:
    """The model as changes to the profile, replayed through Datalog (once per distinct change).

    The threshold shown with a change is that of the comparison it meets in the pathway the
    suggestion is for (``pathway``, or those the replay finds satisfied) or in the base requirements.
    """
    wait, new = read(m, model)
    key = frozenset((n, v) for n, v in new.items()) | {(WAIT, wait)}
    day = add_months(m.facts.date, wait)
    prog = m.epochs[m.epoch_of(wait)][2]
    # Two caches in one dict, kept apart by a tag: the raw model values → (canonical values, verdict),
    # and the canonical values → their Datalog verdict (several raw models can canonicalise alike).
    hit = replays.get(("raw", key, pathway))
    if hit is None:
        # The assumed values made canonical first (screened with the IR interpreter), then the
        # suggestion as shown — the profile with every change applied, on the later date — is
        # replayed through Datalog, once per distinct change.
        new = _canonical_assumptions(policy, jid, m, prog, new, day, wait, lenient, pathway)
        fkey = frozenset((n, v) for n, v in new.items()) | {(WAIT, wait)}
        d = replays.get(("final", fkey))
        if d is None:
            replay = replace(m.facts, values={**m.facts.values, **new}, date=day,
                             wage=wage_on(policy.params, day, jid) if wait else m.facts.wage)
            d = replays[("final", fkey)] = verdict(policy, jid, replay, lenient=lenient)
        if d.status != "eligible" or (pathway is not None and pathway not in d.satisfied):
            raise AssertionError(f"missing: suggestion for {jid} ({pathway or 'any pathway'}) does not replay "
                                 f"(status {d.status}, satisfied {d.satisfied}): "
                                 f"wait {wait}, values {sorted((n, v) for n, v in new.items())}")
        hit = replays[("raw", key, pathway)] = (new, d)
    new, d = hit
    satisfied = list(d.satisfied)
    via = [pathway] if pathway is not None else satisfied
    exprs = [prog.base, *(prog.pathway[p] for p in via if p in prog.pathway)]
    after_all = {**m.facts.values, **new}
    changes, assumed = [], []
    cost = Fraction(wait)
    for name, f in m.fx.items():
        spec = m.vocab.spec(name)
        if f.kind == "assumed":
            if name in new:
                assumed.append(FactChange(name, spec.label, "assumed", None, new[name], word("unknown"),
                                          _shown(policy, name, new[name]), Fraction(0), unit=spec.unit,
                                          choices=spec.choices if spec.type == "enum" else (),
                                          boolean=spec.type == "bool"))
            continue
        after = new[name]
        if f.before is None or after == f.before:
            continue
        thr = _threshold(policy, exprs, name, m.facts.values, after_all)
        if f.kind == "effort":
            steps = m.int_of(model, f.steps)
            c = spec.change.cost * steps
            cost += c
            changes.append(FactChange(name, {lg: fact_label(spec, name, lg) for lg in ("zh", "en")}, "effort", f.before,
                                      after, _shown(policy, name, f.before), _shown(policy, name, after), c, thr, spec.unit,
                                      spec.choices if spec.type == "enum" else (), spec.type == "bool"))
        elif f.kind in ("time", "age") and thr:
            changes.append(FactChange(name, spec.label, "time", f.before, after, display(policy, name, f.before),
                                      display(policy, name, after), Fraction(0), thr, spec.unit,
                                      spec.choices if spec.type == "enum" else (), spec.type == "bool"))
    return Suggestion(cost, wait, day, changes, assumed, satisfied)


def _shown(policy: Policy, name: str, value: Fraction) -> str:
    """A changed value as the form asks for it: yes/no (是/否) for a yes/no fact, not true/false."""
    if policy.vocabulary.spec(name).type == "bool":
        return word("yes" if value else "no")
    return display(policy, name, value)


@cache(16, identity=(0,))
def _reference(policy: Policy, date: dt.date) -> dict[str, Fraction]:
    return reference_facts(policy, date).values


def _canonical_assumptions(policy: Policy, jid: str, m: ChangeModel, prog: Program, new: dict[str, Fraction],
                           day: dt.date, wait: int, lenient: bool, pathway: str | None = None) -> dict[str, Fraction]:
    """Values assumed for unknown facts, made canonical: the solver may return any value that works,
    so each is replaced by the first that still replays eligible among the reference applicant's value
    and the thresholds the rules compare the fact with (closest to the reference first). The answer
    then does not depend on the solver's search history. The caller replays the result through Datalog.
    For a pathway's suggestion the value must keep *that pathway* holding (not just eligibility through
    another one): each pathway line is a suggestion through that pathway."""
    assumed = sorted(n for n in new if m.fx[n].kind == "assumed")
    if not assumed:
        return new
    ref = _reference(policy, m.facts.date)
    wage = wage_on(policy.params, day, jid) if wait else wage_for(policy.params, m.facts, jid)
    j, _ = policy.version(jid, day)
    compiled = compile_program(j, wage, lenient)
    root = compiled.root if pathway is None or pathway not in compiled.pathway else \
        all_of([compiled.base, compiled.pathway[pathway]])
    for _ in range(8):  # to a fixpoint: a value canonicalised later may free an earlier one
        before = dict(new)
        for name in assumed:
            spec = m.vocab.spec(name)
            cands = {ref[name]} if name in ref else set()
            for n in comparisons(prog.root, name):
                if n.terms[0][0] == 1:
                    cands |= {n.rhs - 1, n.rhs, n.rhs + 1}
            cands = {c for c in cands if (spec.minimum is None or c >= spec.minimum)
                     and (spec.maximum is None or c <= spec.maximum) and (spec.type == "decimal" or c.denominator == 1)}
            anchor = ref.get(name, Fraction(0))
            for c in sorted(cands, key=lambda c: (abs(c - anchor), c)):
                if c == new[name]:
                    break
                trial = {**new, name: c}
                values = {**m.facts.values, **trial}
                if any(k.validate and evaluate(k.when, values) is False for k in m.vocab.constraints):
                    continue
                # candidates are screened with the IR interpreter; the one kept is replayed through Datalog below
                if evaluate(root, values) is True:
                    new = trial
                    break
        if new == before:
            break
    return new


def _threshold(policy: Policy, exprs: list[Expr], name: str, before: dict, after: dict) -> str | None:
    """The requirement on ``name`` the change meets: among the comparisons of ``exprs`` on ``name``
    that are not true before and true after, the binding one — the one whose threshold lies closest
    to the new value (8 × the annual wage, not the 4 × of another pathway the value also passes)."""
    best: tuple[Fraction, Cmp] | None = None
    for top in exprs:
        for n in comparisons(top, name):
            b, a = evaluate(n, before), evaluate(n, after)
            if b is not True and a is True:
                gap = abs(n.terms[0][0] * after[name] - n.rhs)
                if best is None or gap < best[0]:
                    best = (gap, n)
    if best is None or policy.vocabulary.spec(name).type == "bool":  # "no → yes" says it all
        return None
    n = best[1]
    return n.derivation or cat(f"{SYMBOL[n.op]} ", display(policy, name, n.rhs))
