"""The one IR → words printer: a condition in plain words, in Chinese or English — vocabulary labels,
choice names, thresholds with their arithmetic on the date (``compare``'s cells, a rule explained).

Example:
    >>> from fractions import Fraction
    >>> from policy.expr import Cmp
    >>> from policy.load import load_policy
    >>> e = Cmp(((Fraction(1), "applicant.months_with_employer"),), "ge", Fraction(6))
    >>> describe(load_policy(), e, "en"), describe(load_policy(), e, "zh")
    ('continuous employment at the applying employer ≥ 6 months', '在申请单位连续工作时间 ≥ 6 个月')
"""

from __future__ import annotations

from policy.expr import SYMBOL, All, Any, AtLeast, Cmp, Const, Expr, In, Not, fmt_num
from policy.i18n import choice, say
from policy.load import Policy
from solver.facts import display

WORDS = {"and": {"zh": "且", "en": "and"}, "or": {"zh": "或", "en": "or"}, "not": {"zh": "非", "en": "not"},
         "at_least": {"zh": "至少满足{k}项", "en": "at least {k} of"}, "true": {"zh": "恒成立", "en": "always"},
         "false": {"zh": "不可能", "en": "never"},
         "each": {"zh": "{label}", "en": "{label}"}}  # list labels already say "each of the last 3 years"



def _each(items) -> Cmp | None:
    """The comparison an `each:` expanded into (same op and threshold on x[0], x[1], …), or None."""
    if len(items) < 2 or not all(isinstance(i, Cmp) and len(i.terms) == 1 and i.terms[0][0] == 1 for i in items):
        return None
    names = [i.terms[0][1] for i in items]
    base = names[0].split("[", 1)[0]
    if names != [f"{base}[{k}]" for k in range(len(items))] or len({(i.op, i.rhs) for i in items}) != 1:
        return None
    return items[0]


def describe(policy: Policy, e: Expr, lang: str = "en") -> str:
    """An expression in plain words (vocabulary labels, choice names, thresholds with their arithmetic)."""
    vocab = policy.vocabulary

    def label(f: str) -> str:
        from policy.i18n import fact_label
        return fact_label(vocab.spec(f), f, lang)

    def go(x: Expr, top: bool = False) -> str:
        match x:
            case Const(v):
                return WORDS["true" if v else "false"][lang]
            case Cmp(terms, op, rhs):
                if len(terms) == 1 and terms[0][0] == 1:
                    f = terms[0][1]
                    spec = vocab.spec(f)
                    val = say(display(policy, f, rhs), lang) if spec.type in ("enum", "bool") else fmt_num(rhs)
                    unit = f" {spec.unit.get(lang, spec.unit['en'])}" if spec.unit and spec.type not in ("enum", "bool") \
                        else ""
                    s = f"{label(f)} {SYMBOL[op]} {val}{unit}"
                else:
                    lhs = " + ".join(f"{fmt_num(c)} × {label(f)}" for c, f in terms)
                    s = f"{lhs} {SYMBOL[op]} {fmt_num(rhs)}"
                return s + (f" [{say(x.derivation, lang)}]" if x.derivation else "")
            case In(fact, values):
                spec = vocab.spec(fact)
                if x.set_name:
                    names = policy.params.district_set_labels.get(x.set_name, {}).get(lang, x.set_name)
                else:
                    names = ", ".join(say(choice(vocab, spec, i), lang) for i in sorted(values))
                return f"{label(fact)} ∈ {{{names}}}" if len(values) > 1 else f"{label(fact)} = {names}"
            case All(items) if (each := _each(items)) is not None:
                # `each:` over a list fact: one phrase, not one comparison per item
                c = each
                f = c.terms[0][1].split("[", 1)[0]
                spec = vocab.spec(f)
                unit = f" {spec.unit.get(lang, spec.unit['en'])}" if spec.unit else ""
                head = WORDS["each"][lang].format(label=spec.label.get(lang, spec.label["en"]))
                return f"{head} {SYMBOL[c.op]} {fmt_num(c.rhs)}{unit}" + (f" [{say(c.derivation, lang)}]" if c.derivation else "")
            case All(items):
                s = f" {WORDS['and'][lang]} ".join(go(i) for i in items)
                return s if top else f"({s})"
            case Any(items):
                s = f" {WORDS['or'][lang]} ".join(go(i) for i in items)
                return s if top else f"({s})"
            case Not(item):
                if isinstance(item, In):
                    spec = vocab.spec(item.fact)
                    names = (policy.params.district_set_labels.get(item.set_name, {}).get(lang, item.set_name)
                             if item.set_name else ", ".join(say(choice(vocab, spec, i), lang) for i in sorted(item.values)))
                    return f"{label(item.fact)} ∉ {{{names}}}" if len(item.values) > 1 else \
                        f"{label(item.fact)} ≠ {names}"
                return f"{WORDS['not'][lang]} {go(item)}"
            case AtLeast(k, items):
                return WORDS["at_least"][lang].format(k=k) + " (" + "; ".join(go(i) for i in items) + ")"
        raise TypeError(x)

    return go(e, True)
