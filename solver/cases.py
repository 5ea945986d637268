"""Case splits in words: why a clause holds (or fails) *either way* while a fact it reads is unknown.

A clause such as Changping's income rule reads "1.2× if the employer is high-tech (or a key
enterprise, or a public institution), 1.5× otherwise". With ``employer.high_tech`` unknown, Kleene
evaluation leaves it unknown; every completion agrees when the income meets (or misses) both
multiples, so the exact answer is decided (solver.exact). This module shows why, case by case:

    holds either way (unknown: certified high-tech enterprise): if certified high-tech enterprise = true
    or …: average monthly taxable income 20,000 ≥ 11,288 ✓; otherwise: 20,000 ≥ 14,111 ✓
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from policy.expr import All, Any, Cmp, Expr, In, Not, not_of, walk
from policy.i18n import say
from policy.load import Policy
from solver.render.leaf import actual_text, leaf_json, required_text

WORDS = {
    "held": ("holds either way", "无论如何均满足"),
    "failed": ("fails either way", "无论如何均不满足"),
    "unknown": ("unknown", "未知"),
    "if": ("if", "若"),
    "otherwise": ("otherwise", "否则"),
    "always": ("in every case", "任何情况下"),
    "nothing": ("no further requirement", "无其他要求"),
    "and": (" and ", " 且 "),
    "or": (" or ", " 或 "),
}


def _w(key: str, lang: str) -> str:
    en, zh = WORDS[key]
    return zh if lang == "zh" else en


@dataclass
class Case:
    """One branch of a case split: the condition that selects it, and what it then requires."""

    guard: Expr | None  # None: the branch applies in every case
    otherwise: bool  # the guard is the negation of an earlier branch's guard
    then: list  # solver.decide.Leaf: the requirements of the branch (their facts are known)
    status: bool | None  # the branch's requirement holds / fails (None: it depends on unknown facts)


@dataclass
class CaseSplit:
    status: str  # held | failed
    unknown: list[str]  # the unknown facts that select the case
    cases: list[Case]
    policy: Policy
    facts: object
    st: dict
    guard_leaves: dict = field(default_factory=dict)  # (id(comparison), negated) -> its Leaf, for the guards' words

    def text(self, lang: str = "en") -> str:
        """"holds either way (unknown: …): if …: … ✓; otherwise: … ✓" in ``lang``."""
        labels = ", ".join(_label(self.policy, f, lang) for f in self.unknown)
        head = f"{_w(self.status, lang)} ({_w('unknown', lang)}{'：' if lang == 'zh' else ': '}{labels})"
        parts = []
        for c in self.cases:
            if c.guard is None:
                cond = _w("always", lang)
            elif c.otherwise:
                cond = _w("otherwise", lang)
            else:
                cond = f"{_w('if', lang)} {self.guard_text(c.guard, lang)}"
            then = "; ".join(_leaf_words(self.policy, lf, lang) for lf in c.then) or _w("nothing", lang)
            mark = {True: "✓", False: "✗", None: "?"}[c.status]
            parts.append(f"{cond}: {then} {mark}")
        sep = "；" if lang == "zh" else "; "
        colon = "：" if lang == "zh" else ": "
        return head + colon + sep.join(parts)

    def guard_text(self, g: Expr, lang: str, neg: bool = False) -> str:
        match g:
            case Cmp() | In():
                lf = self.guard_leaves[(id(g), neg)]
                return f"{', '.join(_label(self.policy, f, lang) for f in lf.facts)} " \
                       f"{say(required_text(self.policy, lf), lang)}"
            case Not(item):
                return self.guard_text(item, lang, not neg)
            case All(items) | Any(items):
                conj = isinstance(g, All) != neg
                inner = [self.guard_text(i, lang, neg) for i in items]
                joined = _w("and" if conj else "or", lang).join(inner)
                return f"({joined})" if len(inner) > 1 else joined
        return str(g)

    def as_dict(self) -> dict:
        return {"status": self.status, "unknown": self.unknown,
                "cases": [{"if": None if c.guard is None else self.guard_text(c.guard, "en"),
                           "if_zh": None if c.guard is None else self.guard_text(c.guard, "zh"),
                           "otherwise": c.otherwise,
                           "then": [leaf_json(self.policy, lf) for lf in c.then],
                           "status": {True: "held", False: "failed", None: "unknown"}[c.status]}
                          for c in self.cases],
                "text": self.text("en"), "text_zh": self.text("zh")}


def _label(policy: Policy, fact: str, lang: str) -> str:
    spec = policy.vocabulary.spec(fact) if fact in policy.vocabulary.facts or "[" in fact else None
    if spec is None:
        spec = policy.vocabulary.facts.get(fact)
    return spec.label[lang] + fact[len(spec.name):] if spec else fact


def _leaf_words(policy: Policy, lf, lang: str) -> str:
    names = ", ".join(_label(policy, f, lang) for f in lf.facts)
    return f"{names} {say(actual_text(policy, lf), lang)} {say(required_text(policy, lf), lang)}"


def _guard_leaves(g: Expr, neg: bool, leaf: Callable, out: dict) -> None:
    match g:
        case Cmp() | In():
            out[(id(g), neg)] = leaf(g, neg)
        case Not(item):
            _guard_leaves(item, not neg, leaf, out)
        case All(items) | Any(items):
            for i in items:
                _guard_leaves(i, neg, leaf, out)


def case_split(policy: Policy, facts, e: Expr, st: dict, status: bool, leaf: Callable) -> CaseSplit | None:
    """The cases of requirement ``e`` (decided ``status`` in every completion, unknown to Kleene):
    each branch of its top disjunction, the unknown condition selecting it, and the known
    requirements it then makes. ``None`` when ``e`` is not such a disjunction. ``leaf(comparison,
    negated)``: the decided comparison as a ``solver.decide.Leaf`` (the caller's, so this module does
    not import the one that imports it)."""
    if not isinstance(e, Any):
        return None
    cases: list[Case] = []
    guards: list[Expr] = []
    for b in e.items:
        items = b.items if isinstance(b, All) else (b,)
        guard_items = [i for i in items if st.get(id(i)) is None]
        body = [i for i in items if st.get(id(i)) is not None]
        guard = None if not guard_items else guard_items[0] if len(guard_items) == 1 else All(tuple(guard_items))
        otherwise = guard is not None and any(not_of(guard) == g for g in guards)
        if guard is not None:
            guards.append(guard)
        then = []
        for i in body:
            for x in walk(i):
                if isinstance(x, Cmp | In):
                    neg = _negated(i, x)
                    lf = leaf(x, neg)
                    if not any(lf.facts == y.facts and lf.requirement == y.requirement for y in then):
                        then.append(lf)
        bstat = None if guard_items and not body else (all(st.get(id(i)) for i in body) if body else True)
        cases.append(Case(guard, otherwise, then, bstat))
    unknown = []
    for g in guards:
        for x in walk(g):
            if isinstance(x, Cmp | In) and st.get(id(x)) is None:
                for f in ([f for _, f in x.terms] if isinstance(x, Cmp) else [x.fact]):
                    if f not in facts.values and f not in unknown:
                        unknown.append(f)
    guard_leaves: dict = {}
    for g in guards:
        _guard_leaves(g, False, leaf, guard_leaves)
    return CaseSplit("held" if status else "failed", unknown, cases, policy, facts, st, guard_leaves)


def _negated(root: Expr, target: Expr) -> bool:
    """Is ``target`` under an odd number of ``Not``s in ``root``?"""
    def go(e: Expr, neg: bool) -> bool | None:
        if e is target:
            return neg
        if isinstance(e, Not):
            return go(e.item, not neg)
        for c in getattr(e, "items", ()):
            r = go(c, neg)
            if r is not None:
                return r
        return None
    return bool(go(root, False))
