"""A decided comparison (``solver.decide.Leaf``) in words: what the profile has, and what was required.

The leaf holds values (facts, operator, threshold, choice indices, the profile's values); the words
are composed here, in both languages at once (``policy.i18n.Msg``), when a result is shown or
serialised.

Example:
    >>> from fractions import Fraction
    >>> from policy.load import load_policy
    >>> from solver.decide import Leaf
    >>> p = load_policy()
    >>> lf = Leaf(("applicant.income.monthly_avg_12m",), "ge", False, coefficients=(Fraction(1),),
    ...           rhs=Fraction(14111), actuals=(Fraction(13000),))
    >>> str(required_text(p, lf)), str(actual_text(p, lf))
    ('≥ 14,111', '13,000')
"""

from __future__ import annotations

from policy.expr import SYMBOL, fmt_num
from policy.i18n import Msg, cat, choice, word
from policy.load import Policy
from solver.facts import display, with_unit


def _single(lf) -> bool:
    return len(lf.facts) == 1 and lf.coefficients == (1,)


def required_text(policy: Policy, lf) -> Msg | str:
    """``≥ 14,111``, ``= changping``, ``∈ 城六区 (…)``, ``1×a + 2×b ≥ 3``."""
    if lf.op in ("in", "not_in"):
        neg = lf.op == "not_in"
        vocab = policy.vocabulary
        spec = vocab.spec(lf.facts[0])
        shown = [choice(vocab, spec, i) for i in lf.choices]
        if len(shown) == 1:
            return cat(f"{'≠' if neg else '='} ", shown[0])
        labels = policy.params.district_set_labels.get(lf.set_name, {}) if lf.set_name else {}
        label = Msg(labels.get("en", lf.set_name), labels.get("zh", labels.get("en", lf.set_name))) \
            if lf.set_name else None
        req = cat(f"{'∉' if neg else '∈'} ", label or cat("{", cat(*shown, sep=", "), "}"))
        return cat(req, " (", cat(*shown, sep=", "), ")") if label else req
    if _single(lf):
        name = lf.facts[0]
        return cat(f"{SYMBOL[lf.op]} ", with_unit(policy, name, display(policy, name, lf.rhs)))
    lhs = " + ".join(f"{fmt_num(c)}×{f}" for c, f in zip(lf.coefficients, lf.facts, strict=True))
    return f"{lhs} {SYMBOL[lf.op]} {fmt_num(lf.rhs)}"


def actual_text(policy: Policy, lf) -> Msg | str:
    """The profile's value(s) as shown: with the unit, and "(not stated: default)" where it applies."""
    if lf.op in ("in", "not_in"):
        return display(policy, lf.facts[0], lf.actuals[0])
    if _single(lf):
        name = lf.facts[0]
        shown = with_unit(policy, name, display(policy, name, lf.actuals[0]))
        return cat(shown, " (", word("not stated: default"), ")") if lf.defaulted else shown
    return cat(*(cat(f"{f}=", display(policy, f, v)) for f, v in zip(lf.facts, lf.actuals, strict=True)), sep=", ")


def leaf_json(policy: Policy, lf) -> dict:
    """design.md's contract: ``actual`` the value (a number, a choice or a boolean), ``required`` an
    operator and a value (``">= 14111"``); the words beside them (English, ``actual_text`` /
    ``required_text``)."""
    d = {"fact": lf.facts[0] if len(lf.facts) == 1 else list(lf.facts), "actual": lf.value,
         "required": lf.required_plain, "actual_text": actual_text(policy, lf),
         "required_text": required_text(policy, lf)}
    if lf.derivation:
        d["threshold"] = lf.derivation
    return d
