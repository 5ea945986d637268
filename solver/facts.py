"""Profile → typed facts: validation against the vocabulary, derived facts, dated parameters.

Example:
    >>> from policy.load import load_policy
    >>> f = facts_from_dict({"application": {"date": "2021-09-15"},
    ...                      "applicant": {"birth_date": "1990-04-01", "sex": "male"}}, load_policy())
    >>> f.values["applicant.age_months"], f.wage.year, f.wage.monthly
    (Fraction(377, 1), 2020, 9407)
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from policy.errors import InputError
from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, Threshold, evaluate, fmt_num, round_half_up
from policy.i18n import Msg, cat, choice, word
from policy.load import Policy
from policy.model import FactSpec, Params, WageYear
from policy.yamlio import key_pos, read_yaml
from solver.calendar import add_months, months_between


@dataclass(frozen=True)
class Wage:
    """The average-wage figure in force on a date, and why."""

    year: int
    monthly: int
    annual: int
    annual_is_published: bool
    published: dt.date
    cite: str
    note: str
    warning: str | None = None


@dataclass
class Facts:
    """A profile as numbers (see policy.expr), with what is needed to explain them."""

    values: dict[str, Fraction]
    date: dt.date
    wage: Wage
    file: str = "<profile>"
    spans: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stated: dict[str, object] = field(default_factory=dict)  # the profile as the user wrote it (flattened)
    retirement: dict[str, str] = field(default_factory=dict)
    defaulted: frozenset[str] = frozenset()  # facts not stated, given their vocabulary default

    def with_values(self, changes: dict[str, Fraction]) -> Facts:
        return replace(self, values={**self.values, **changes})


# --- parameters on a date ------------------------------------------------------------------------


def wage_on(params: Params, day: dt.date) -> Wage:
    """Average wage for an application on ``day``: year Y-1 once published, else the previous one."""
    target = day.year - 1
    usable = [w for w in params.wage_years if w.year <= target and w.published <= day]
    if not usable:
        first = params.wage_years[0]
        return _wage(first, Msg(f"no average-wage figure published by {day}; using {first.year}'s",
                                f"{day} 前未公布平均工资；采用 {first.year} 年度数据"),
                     warning=Msg(f"no average-wage figure is published by {day}; the earliest known ({first.year}: "
                                 f"{first.monthly} 元/月) is used",
                                 f"{day} 前尚未公布任何年度平均工资；采用已知最早的 {first.year} 年度数据"
                                 f"（{first.monthly} 元/月）"))
    w = usable[-1]
    known = {x.year: x for x in params.wage_years}
    if w.year == target:
        return _wage(w, Msg(f"application in {day.year} uses the {target} figure (published {w.published})",
                            f"{day.year} 年申请采用 {target} 年度数据（{w.published} 公布）"))
    if target in known:
        return _wage(w, Msg(f"the {target} figure was not yet published on {day} (published "
                            f"{known[target].published}); the previous year's applies (001 注：未公布…前，参照上一年度执行)",
                            f"{day} 时 {target} 年度数据尚未公布（{known[target].published} 公布）；参照上一年度执行"
                            f"（001 注：未公布…前，参照上一年度执行）"))
    return _wage(w, Msg(f"no {target} figure is known", f"没有 {target} 年度数据"), warning=Msg(
        f"the {target} average wage is not in policy/params/wage.yaml; {w.year}'s figure ({w.monthly} 元/月) is used",
        f"policy/params/wage.yaml 中没有 {target} 年度平均工资；采用 {w.year} 年度数据（{w.monthly} 元/月）"))


def _wage(w: WageYear, note: str, warning: str | None = None) -> Wage:
    return Wage(year=w.year, monthly=w.monthly, annual=w.annual or 12 * w.monthly, annual_is_published=w.annual is not None,
                published=w.published, cite=w.cite, note=note, warning=warning)


def threshold_value(t: Threshold, wage: Wage) -> tuple[Fraction, Msg]:
    """The threshold on the wage in force, and its arithmetic in both languages."""
    base = wage.monthly if t.param == "wage.monthly" else wage.annual
    what = (cat(f"{wage.year} ", word("monthly average wage")) if t.param == "wage.monthly"
            else cat(f"{wage.year} ", word("annual average wage"),
                     *(() if wage.annual_is_published else (" ", word("(12 × monthly)")))))
    exact = t.times * base
    text = cat(f"{fmt_num(t.times)} × {base:,} (", what, f") = {fmt_num(exact)}")
    if t.rounding == "half_up_yuan" and exact.denominator != 1:
        value = round_half_up(exact)
        return value, cat(text, f" → {fmt_num(value)} (", word("rounded to whole 元"), ")")
    return exact, text


def resolve(e: Expr, wage: Wage) -> Expr:
    """Replace thresholds by their value on the date, keeping the arithmetic for explanations."""
    match e:
        case Cmp(terms, op, rhs) if isinstance(rhs, Threshold):
            value, text = threshold_value(rhs, wage)
            return Cmp(terms, op, value, derivation=text, span=e.span)
        case Cmp() | In() | Const():
            return e
        case All(items):
            return All(tuple(resolve(i, wage) for i in items), span=e.span)
        case Any(items):
            return Any(tuple(resolve(i, wage) for i in items), span=e.span)
        case Not(item):
            return Not(resolve(item, wage), span=e.span)
        case AtLeast(k, items):
            return AtLeast(k, tuple(resolve(i, wage) for i in items), span=e.span)
    raise TypeError(e)


# --- retirement ----------------------------------------------------------------------------------


def retirement_age_months(params: Params, category: str, birth: dt.date) -> int:
    c = params.retirement["categories"][category]
    first_y, first_m = (int(x) for x in str(c["first_affected"]).split("-"))
    d = (birth.year - first_y) * 12 + (birth.month - first_m)
    delay = 0 if d < 0 else min(d // int(c["step_months"]) + 1, int(c["max_delay_months"]))
    return int(c["base_years"]) * 12 + delay


def fmt_age(months: int) -> Msg:
    """An age in whole months, in both languages.

    Example:
        >>> a = fmt_age(402)
        >>> str(a), a.zh, fmt_age(720).zh
        ('33y6m', '33岁6个月', '60岁')
    """
    y, m = divmod(months, 12)
    return Msg(f"{y}y{m}m", f"{y}岁{m}个月") if m else Msg(f"{y}y", f"{y}岁")


# --- profile loading -----------------------------------------------------------------------------


def _flatten(node, prefix: str, out: dict, spans: dict, vocab_names: set[str], file: str) -> None:
    for k in node:
        name = f"{prefix}.{k}" if prefix else str(k)
        v = node[k]
        spans[name] = key_pos(node, k)
        if not isinstance(v, dict) and name not in vocab_names and any(n.startswith(name + ".") for n in vocab_names):
            fields = sorted({n[len(name) + 1:].split(".")[0] for n in vocab_names if n.startswith(name + ".")})
            raise InputError(f"is a group of fields, not a value; give a mapping with: {', '.join(fields)}",
                             file=file, line=spans[name][0], col=spans[name][1], field=name)
        if isinstance(v, dict) and name not in vocab_names:
            if not any(n.startswith(name + ".") for n in vocab_names):
                _unknown(name, spans[name], vocab_names, file, parent=prefix)
            _flatten(v, name, out, spans, vocab_names, file)
        else:
            out[name] = v


def _unknown(name: str, pos, vocab_names: set[str], file: str, parent: str | None = None):
    groups = sorted({n.rsplit(".", 1)[0] for n in vocab_names} | set(vocab_names))
    close = difflib.get_close_matches(name, groups, n=3, cutoff=0.85)
    if not close:  # compare the last part only: `incme` → `income`
        tail = {g.rsplit(".", 1)[-1]: g for g in groups if g.rsplit(".", 1)[0] == name.rsplit(".", 1)[0]}
        close = [tail[t] for t in difflib.get_close_matches(name.rsplit(".", 1)[-1], list(tail), n=3, cutoff=0.6)]
    if parent is None:
        parent = name.rsplit(".", 1)[0] if "." in name else ""
    siblings = sorted({n[len(parent) + 1:].split(".")[0] for n in vocab_names if n.startswith(parent + ".")}) if parent else \
        sorted({n.split(".")[0] for n in vocab_names})
    hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
    valid = f" Valid fields here: {', '.join(siblings)}." if siblings else ""
    raise InputError(f"unknown field.{hint}{valid}", file=file, line=pos[0], col=pos[1], field=name)


def _convert(spec: FactSpec, v, where) -> dict[str, Fraction]:
    file, pos, name = where

    def bad(msg: str):
        raise InputError(msg, file=file, line=pos[0], col=pos[1], field=name)

    if spec.derived:
        bad("is computed by wrp from the other facts; remove it from the profile")
    if spec.type == "date":
        if isinstance(v, dt.datetime):
            v = v.date()
        if isinstance(v, str):
            try:
                v = dt.date.fromisoformat(v)
            except ValueError:
                bad(f"must be a date YYYY-MM-DD, got `{_lit(v)}`")
        if not isinstance(v, dt.date):
            bad(f"must be a date YYYY-MM-DD, got `{_lit(v)}`")
        return {"__date__": v}  # handled by the caller
    if spec.type == "bool":
        if not isinstance(v, bool):
            bad(f"must be true or false, got `{_lit(v)}`")
        return {name: Fraction(int(v))}
    if spec.type == "enum":
        if v not in spec.choices:
            bad(f"`{v}` is not a valid choice; choose one of: {', '.join(spec.choices)}")
        return {name: Fraction(spec.choices.index(v))}
    if spec.type == "money_list":
        if not isinstance(v, list) or len(v) != spec.length:
            bad(f"must be a list of {spec.length} amounts (oldest first), got `{_lit(v)}`")
        out = {}
        for n, item in zip(spec.numeric_names, v):
            out.update(_number(spec, item, (file, pos, n), bad))
        return out
    return _number(spec, v, where, bad)


def _lit(v) -> str:
    """A value as the profile wrote it (JSON/YAML spelling): ``true``, not Python's ``True``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def _number(spec: FactSpec, v, where, bad) -> dict[str, Fraction]:
    name = where[2]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        unit = f" ({spec.unit['en']})" if spec.unit else ""
        bad(f"must be a number{unit}, got `{_lit(v)}`")
    if isinstance(v, float) and not math.isfinite(v):
        bad(f"must be a finite number, got `{_lit(v)}`")
    x = Fraction(str(v))
    if spec.type == "int" and x.denominator != 1:
        bad(f"must be a whole number, got `{_lit(v)}`")
    if spec.minimum is not None and x < spec.minimum:
        bad(f"must be at least {fmt_num(spec.minimum)}, got `{_lit(v)}`")
    if spec.maximum is not None and x > spec.maximum:
        bad(f"must be at most {fmt_num(spec.maximum)}, got `{_lit(v)}`")
    return {name: x}


def load_profile(path: str | Path, policy: Policy, date: dt.date | None = None) -> Facts:
    """Read a YAML/JSON profile; every mistake is an ``InputError`` naming file, line and field."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    data = read_yaml(path)
    return facts_from_dict(data, policy, date=date, file=str(path))


def facts_from_dict(data, policy: Policy, date: dt.date | None = None, file: str = "<profile>") -> Facts:
    vocab = policy.vocabulary
    if data is None or data == {}:
        raise InputError("the profile is empty; it needs `application`, `applicant` and `employer` sections "
                         "(see examples/ and docs/profile.md)", file=file)
    if not isinstance(data, dict):
        raise InputError("a profile is a mapping with `application`, `applicant` and `employer` sections", file=file)
    flat: dict[str, object] = {}
    spans: dict[str, tuple] = {}
    stated_names = {n for n, spec in vocab.facts.items() if not spec.derived}
    _flatten(data, "", flat, spans, stated_names, file)
    values: dict[str, Fraction] = {}
    dates: dict[str, dt.date] = {}
    for name, v in flat.items():
        if name not in vocab.facts:
            _unknown(name, spans.get(name, (None, None)), stated_names, file)
        if v is None:
            continue  # stated as unknown
        conv = _convert(vocab.facts[name], v, (file, spans.get(name, (None, None)), name))
        if "__date__" in conv:
            dates[name] = conv["__date__"]
        else:
            values.update(conv)
    defaulted = []
    for name, spec in vocab.facts.items():
        if spec.default is not None and name not in flat:
            values.update(_convert(spec, spec.default, (file, (None, None), name)))
            defaulted.append(name)
    warnings: list[str] = []
    day = date or dates.get("application.date")
    if day is None:
        day = dt.date.today()
        warnings.append(Msg(f"no application date given (application.date or --date); using today, {day}",
                            f"未给出申请日期（application.date 或 --date）；按今天 {day} 计算"))
    elif date is not None and "application.date" in dates and dates["application.date"] != date:
        warnings.append(Msg(f"--date {date} overrides application.date {dates['application.date']} of the profile",
                            f"--date {date} 取代了档案中的 application.date {dates['application.date']}"))
    wage = wage_on(policy.params, day)
    if wage.warning:
        warnings.append(wage.warning)
    facts = Facts(values=values, date=day, wage=wage, file=file, spans=spans, warnings=warnings,
                  stated=flat, defaulted=frozenset(defaulted))
    birth = dates.get("applicant.birth_date")
    if birth is not None:
        if birth > day:
            pos = spans.get("applicant.birth_date", (None, None))
            raise InputError(f"the birth date {birth} is after the application date {day}", file=file,
                             line=pos[0], col=pos[1], field="applicant.birth_date")
        _derive_age(facts, policy.params, birth, vocab)
    _check_constraints(facts, policy)
    return facts


def _derive_age(facts: Facts, params: Params, birth: dt.date, vocab) -> None:
    age = months_between(birth, facts.date)
    facts.values["applicant.age_months"] = Fraction(age)
    sexes = vocab.facts["applicant.sex"].choices
    cats = vocab.facts["applicant.female_category"].choices
    sex = facts.values.get("applicant.sex")
    cat = facts.values.get("applicant.female_category")
    possible = []
    if sex is None or sexes[int(sex)] == "male":
        possible.append("male")
    if sex is None or sexes[int(sex)] == "female":
        possible += ["female_" + cats[int(cat)]] if cat is not None else ["female_cadre", "female_worker"]
    ages = {c: retirement_age_months(params, c, birth) for c in possible}
    facts.values["applicant.months_to_retirement_min"] = Fraction(min(ages.values()) - age)
    if len(ages) == 1:
        (c, r), = ages.items()
        facts.values["applicant.months_to_retirement"] = Fraction(r - age)
        facts.retirement = {"category": c, "age": fmt_age(r), "date": str(add_months(birth, r))}
    facts.retirement["age_now"] = fmt_age(age)


def _check_constraints(facts: Facts, policy: Policy) -> None:
    from policy.expr import facts_of
    for c in policy.vocabulary.constraints:
        if c.validate and evaluate(c.when, facts.values) is False:
            names = sorted(facts_of(c.when))
            stated = [n for n in names if n in facts.spans] or names
            pos = facts.spans.get(stated[0], (None, None))
            shown = ", ".join(f"{n.split('.')[-1]}={_show(facts, n)}" for n in names if n in facts.values)
            raise InputError(f"impossible profile: {c.message['en']} ({shown})", file=facts.file,
                             line=pos[0], col=pos[1], field=stated[0])


def _show(facts: Facts, name: str) -> str:
    if name == "applicant.age_months":
        return fmt_age(int(facts.values[name]))
    return fmt_num(facts.values[name])


def display(policy: Policy, name: str, value: Fraction | None) -> str:
    """A fact value as a person reads it (in both languages when words are involved): enum choices,
    yes/no, thousands separators."""
    if value is None:
        return word("unknown")
    spec = policy.vocabulary.spec(name)
    if spec.type == "enum":
        return choice(policy.vocabulary, spec, value)
    if spec.type == "bool":
        return word("true" if value else "false")
    if name == "applicant.age_months":
        return fmt_age(int(value))
    return fmt_num(value)


def with_unit(policy: Policy, name: str, text: str) -> str:
    """``14`` → ``14 months`` for durations (money and counts stay bare)."""
    spec = policy.vocabulary.spec(name)
    if spec.unit and spec.type in ("int", "decimal") and spec.unit["en"] in ("months", "years") and text[-1:].isdigit():
        unit = spec.unit["en"][:-1] if text == "1" else spec.unit["en"]
        return cat(text, " ", word(unit))
    return text
# --- the employer's relocation -----------------------------------------------------------------------

DISTRICT_FACTS = ("employer.registered_district", "employer.tax_district")


def home_district(policy: Policy, jid: str) -> int | None:
    """The district index a jurisdiction governs (``None`` for the city-wide rule)."""
    choices = policy.vocabulary.facts["employer.registered_district"].choices
    return choices.index(jid) if jid in choices else None


def relocated(policy: Policy, facts: Facts, jid: str) -> Facts:
    """The same profile with the employer registered and paying tax in ``jid``'s district."""
    d = home_district(policy, jid)
    if d is None:
        return facts  # the city-wide rule: wherever the employer is
    moved = facts.with_values({f: Fraction(d) for f in DISTRICT_FACTS})
    moved.warnings = [*facts.warnings, Msg(f"relocated: the employer is placed in {jid} (registration and tax)",
                                           f"假设迁移：单位注册和纳税均在 {jid}")]
    return moved
