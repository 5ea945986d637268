"""Generate docs/profile.md, the profile reference, from policy/vocabulary.yaml.

Every fact a profile may state (type, unit, choices, bounds, labels, how `wrp missing` may
change it and at what cost, which clauses use it), the facts wrp derives, and the cross-fact
constraints. The page is generated: edit the vocabulary, then run

    python docs/gen_profile_reference.py            # rewrite docs/profile.md
    python docs/gen_profile_reference.py --check    # exit 1 if docs/profile.md is stale

Example:
    >>> text = render()
    >>> "`applicant.income.monthly_avg_12m`" in text and "## Cross-fact constraints" in text
    True
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

from policy.expr import SYMBOL, All, Any, AtLeast, Cmp, Const, Expr, In, Not, facts_of, fmt_num
from policy.load import load_policy
from policy.model import FactSpec, Vocabulary

OUT = Path(__file__).resolve().parent / "profile.md"

# The profile sections, in the order of the design's example profile.
GROUPS = [
    ("application", "Application"),
    ("applicant", "Applicant"),
    ("applicant.income", "Applicant — income"),
    ("applicant.residence", "Applicant — residence"),
    ("applicant.patents", "Applicant — patents and copyrights"),
    ("applicant.startup", "Applicant — start-up"),
    ("applicant.freelancer", "Applicant — freelancer"),
    ("applicant.talent_program", "Applicant — talent programmes"),
    ("employer", "Employer"),
]


def _group(name: str) -> str:
    prefix = name.rsplit(".", 1)[0]
    return prefix if any(prefix == g for g, _ in GROUPS) else name.split(".", 1)[0]


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _domain(spec: FactSpec) -> str:
    parts = []
    if spec.choices:
        order = " < " if spec.ordered else ", "
        zh = dict(spec.choice_zh)
        parts.append(order.join(f"`{c}`" + (f" {zh[c]}" if c in zh else "") for c in spec.choices)
                     + (" (ordered)" if spec.ordered else ""))
    if spec.type == "bool":
        parts.append("`true`, `false`")
    if spec.type == "date":
        parts.append("ISO date `YYYY-MM-DD`")
    if spec.type == "money_list":
        parts.append(f"list of {spec.length} amounts, oldest first")
    if spec.minimum is not None or spec.maximum is not None:
        lo = fmt_num(spec.minimum) if spec.minimum is not None else "−∞"
        hi = fmt_num(spec.maximum) if spec.maximum is not None else "∞"
        parts.append(f"{lo} … {hi}")
    if spec.default is not None:
        parts.append(f"default when not stated: `{str(spec.default).lower()}`")
    return "; ".join(parts) or "—"


def _frac(x: Fraction) -> str:
    return str(x) if x.denominator != 1 else f"{x.numerator:,}"


def _change(spec: FactSpec) -> str:
    ch = spec.change
    if spec.derived:
        return "derived (follows its inputs)"
    if ch.kind == "fixed":
        return "fixed"
    if ch.kind == "time":
        return f"time: {_frac(ch.per_month)} per month waited (1 point a month)"
    how = f"effort: {_frac(ch.cost)} point(s) per {_frac(ch.unit)}"
    if spec.scope == "employer":
        how += " (only with `--allow`)"
    return how


def _unit(spec: FactSpec) -> str:
    return f"{spec.unit['en']} ({spec.unit['zh']})" if spec.unit else "—"


def _used_by(policy) -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for versions in policy.jurisdictions.values():
        for j in versions:
            for c in j.clauses():
                for f in sorted({f.split("[", 1)[0] for f in facts_of(c.when)}):
                    used.setdefault(f, []).append(c.id)
    return used


def _used_cell(ids: list[str]) -> str:
    if not ids:
        return "—"
    by: dict[str, int] = {}
    for cid in ids:
        by[cid.split(".", 1)[0]] = by.get(cid.split(".", 1)[0], 0) + 1
    return ", ".join(f"{j} ({n})" for j, n in sorted(by.items()))


def show(e: Expr, vocab: Vocabulary) -> str:
    """A condition as a short formula (for constraints)."""
    match e:
        case Const(v):
            return "true" if v else "false"
        case Cmp(terms, op, rhs):
            lhs = " + ".join(
                (f"{_frac(c)} × " if c not in (1, -1) else ("−" if c == -1 else "")) + f"`{f}`" for c, f in terms
            ).replace("+ −", "− ").replace("+ -", "− ")
            spec = vocab.spec(terms[0][1])
            val = spec.choices[int(rhs)] if spec.type == "enum" and len(terms) == 1 else fmt_num(rhs)
            if spec.type == "bool" and len(terms) == 1:
                val = "true" if rhs else "false"
            return f"{lhs} {SYMBOL[op]} {val}"
        case In(fact, values):
            names = [vocab.spec(fact).choices[i] for i in sorted(values)]
            return f"`{fact}` = {names[0]}" if len(names) == 1 else f"`{fact}` ∈ {{{', '.join(names)}}}"
        case All(items):
            return " and ".join(show(i, vocab) for i in items)
        case Any(items):
            return " or ".join(f"({show(i, vocab)})" for i in items)
        case Not(In(fact, values)) if len(values) == 1:
            return f"`{fact}` ≠ {vocab.spec(fact).choices[next(iter(values))]}"
        case Not(item):
            return f"not ({show(item, vocab)})"
        case AtLeast(k, items):
            return f"at least {k} of: " + "; ".join(show(i, vocab) for i in items)
    raise TypeError(e)


def render() -> str:
    from policy.model import DERIVED_FROM

    policy = load_policy()
    vocab = policy.vocabulary
    used = _used_by(policy)
    out = [
        "# Profile reference",
        "",
        "<!-- GENERATED by docs/gen_profile_reference.py from policy/vocabulary.yaml: do not edit by hand. -->",
        "",
        "A profile is a YAML or JSON file with three sections, `application`, `applicant` and `employer`;",
        "dotted names below are nested keys (`applicant.income.monthly_avg_12m` is `monthly_avg_12m:` under",
        "`income:` under `applicant:`). Money is whole 元 (CNY), durations are in the unit named, dates ISO.",
        "",
        "**A fact left out is unknown, not false.** When the answer depends on it, `wrp check` says",
        "`undetermined` and lists it under `unknown`. Writing `~` (null) states explicitly that a fact is",
        "unknown. A name that is not listed here, a wrong type or a value outside the domain is an error",
        "(exit 2) naming the file, line and field, with the valid choices.",
        "",
        "Columns: **type** (`money` whole 元, `decimal` exact decimal, `money_list` a fixed-length list);",
        "**domain** (choices — `<` marks an ordered scale clauses may compare with ≥ — and inclusive",
        "bounds); **change** — how `wrp missing` may change the fact and what one step costs, on one",
        "scale where 1 point = 1 month of waiting (`fixed` facts never change; employer facts change",
        "only with `--allow`); **used by** — jurisdictions whose eligibility clauses read the fact",
        "(number of clauses).",
        "",
    ]
    for prefix, title in GROUPS:
        names = [n for n, s in vocab.facts.items() if not s.derived and _group(n) == prefix]
        if not names:
            continue
        out += [f"## {title}", "", "| fact | type | unit | domain | label (zh / en) | change | used by |",
                "|---|---|---|---|---|---|---|"]
        for n in names:
            s = vocab.facts[n]
            out.append("| " + " | ".join(_cell(x) for x in (
                f"`{n}`", s.type, _unit(s), _domain(s), f"{s.label['zh']} / {s.label['en']}", _change(s),
                _used_cell(used.get(n, [])))) + " |")
        out.append("")
    out += ["## Derived facts", "",
            "Computed by wrp (`solver/facts.py`) from the facts above and the application date. A profile",
            "may not state them (that is an error); they are unknown when one of their inputs is.", "",
            "| fact | type | unit | computed from | label (zh / en) | change | used by |",
            "|---|---|---|---|---|---|---|"]
    for n, s in vocab.facts.items():
        if not s.derived:
            continue
        inputs = ", ".join(f"`{i}`" for i in DERIVED_FROM.get(n, ())) or "—"
        out.append("| " + " | ".join(_cell(x) for x in (
            f"`{n}`", s.type, _unit(s), inputs, f"{s.label['zh']} / {s.label['en']}", _change(s),
            _used_cell(used.get(n, [])))) + " |")
    r = policy.params.retirement
    out += ["",
            "The retirement facts use the statutory retirement age on the application date "
            "(`policy/params/retirement.yaml`, cited as: " + _cell(r["cite"]) + "):", "",
            "| category | base age | first affected birth month | +1 month every | max delay |",
            "|---|---|---|---|---|"]
    for cat, c in r["categories"].items():
        out.append(f"| {cat} | {c['base_years']} | {c['first_affected']} | {c['step_months']} months of birth | "
                   f"{c['max_delay_months']} months |")
    out += ["",
            "`months_to_retirement` needs `sex` (and `female_category` for women); when they are missing,",
            "`months_to_retirement_min` still uses the earliest retirement age the person could have.",
            "", "## Cross-fact constraints", "",
            "Checked on every profile (`validate: yes` rejects it with the message below, exit 2) and imposed",
            "on generated profiles and solver witnesses so that they stay realistic.", "",
            "| id | condition that must hold | validate | message (en / zh) |", "|---|---|---|---|"]
    for c in vocab.constraints:
        out.append("| " + " | ".join(_cell(x) for x in (
            f"`{c.id}`", show(c.when, vocab), "yes" if c.validate else "no (generation only)",
            f"{c.message['en']} / {c.message['zh']}")) + " |")
    out += ["", "## Example", "",
            "`examples/changping_eligible.yaml` is a complete profile; `examples/changping_undetermined_missing.yaml`",
            "leaves facts out on purpose. See [cli.md](cli.md) for what wrp answers on them.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _pages import page_main
    return page_main(render, OUT, "gen_profile_reference.py", __doc__.split("\n")[0], argv)


if __name__ == "__main__":
    sys.exit(main())
