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
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from policy.errors import InputError, shown
from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, Threshold, evaluate, fmt_num, round_half_up
from policy.i18n import Msg, cat, choice, word
from policy.load import Policy
from policy.model import DERIVED_FROM, FactSpec, Params, WageYear
from policy.reader import bilingual, number, parse_date
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
    ident: dict = field(default_factory=dict)  # the profile's optional `id` / `name`: carried, not read by rules

    def with_values(self, changes: dict[str, Fraction]) -> Facts:
        return replace(self, values={**self.values, **changes})


# --- parameters on a date ------------------------------------------------------------------------


def wage_on(params: Params, day: dt.date, jurisdiction: str | None = None) -> Wage:
    """Average wage for an application on ``day``: year Y-1 once published, else the previous one.

    ``jurisdiction``: a figure printed by a primary source of that jurisdiction in force on a date
    counts as published by that date there (``WageYear.evidence``), whatever the proxy date says.
    """
    target = day.year - 1
    usable = [w for w in params.wage_years if w.year <= target and w.published_for(jurisdiction)[0] <= day]
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
        when, evidence = w.published_for(jurisdiction)
        if evidence and day < w.published:  # only the primary source proves it published by now
            return _wage(w, Msg(f"application in {day.year} uses the {target} figure, published by {when} for "
                                f"{jurisdiction}: {evidence}",
                                f"{day.year} 年申请采用 {target} 年度数据；{jurisdiction} 的原始文件在 {when} 已载明该数据："
                                f"{evidence}"), published=when)
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


def _wage(w: WageYear, note: str, warning: str | None = None, published: dt.date | None = None) -> Wage:
    return Wage(year=w.year, monthly=w.monthly, annual=w.annual or 12 * w.monthly, annual_is_published=w.annual is not None,
                published=published or w.published, cite=w.cite, note=note, warning=warning)


def wage_for(params: Params, facts: Facts, jurisdiction: str) -> Wage:
    """The wage in force for ``jurisdiction`` on the facts' date: ``facts.wage`` unless a primary source
    of that jurisdiction proves a later figure published earlier than the proxy date."""
    w = wage_on(params, facts.date, jurisdiction)
    return facts.wage if (w.year, w.published) == (facts.wage.year, facts.wage.published) else w


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
        pos = key_pos(node, k)
        if name in spans:  # stated twice: nested and as a dotted key (`applicant: {sex: …}`, `applicant.sex: …`)
            first = spans[name]
            raise InputError(Msg(f"stated twice: here and at line {first[0]}, column {first[1]}; give each fact once",
                                 f"重复给出：此处与第 {first[0]} 行第 {first[1]} 列；每个事实只能给出一次"),
                             file=file, line=pos[0], col=pos[1], field=name)
        spans[name] = pos
        if not isinstance(v, dict) and name not in vocab_names and any(n.startswith(name + ".") for n in vocab_names):
            fields = sorted({n[len(name) + 1:].split(".")[0] for n in vocab_names if n.startswith(name + ".")})
            raise InputError(Msg(f"is a group of fields, not a value; give a mapping with: {', '.join(fields)}",
                                 f"是一组字段而不是一个值；请给出包含以下字段的映射：{', '.join(fields)}"),
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
    hint_zh = f" 是否要写 {', '.join(f'`{c}`' for c in close)}？" if close else ""
    valid_zh = f" 此处的有效字段：{', '.join(siblings)}。" if siblings else ""
    raise InputError(Msg(f"unknown field.{hint}{valid}", f"未知字段。{hint_zh}{valid_zh}"), file=file, line=pos[0],
                     col=pos[1], field=name)


def _convert(spec: FactSpec, v, where) -> dict[str, Fraction]:
    file, pos, name = where

    def bad(msg: str):
        raise InputError(msg, file=file, line=pos[0], col=pos[1], field=name)

    if spec.derived:
        bad(Msg("is computed by wrp from the other facts; remove it from the profile",
                "由 wrp 根据其他事实计算；请从档案中删除"))
    if spec.type == "date":
        try:
            return {"__date__": parse_date(v)}  # handled by the caller
        except ValueError as exc:
            bad(bilingual(str(exc)))
    if spec.type == "bool":
        v = YES_NO.get(v, v) if isinstance(v, str) else v
        if not isinstance(v, bool):
            bad(Msg(f"must be true or false (是 / 否), got `{shown(v)}`", f"须为 true 或 false（是 / 否），得到 `{shown(v)}`"))
        return {name: Fraction(int(v))}
    if spec.type == "enum":
        v = choice_of(spec, v)
        if not isinstance(v, str) or v not in spec.choices:
            bad(Msg(f"`{shown(v)}` is not a valid choice; choose one of: {', '.join(spec.choices)}",
                    f"`{shown(v)}` 不是有效选项；可选：{', '.join(spec.choices)}"))
        return {name: Fraction(spec.choices.index(v))}
    if spec.type == "money_list":
        if not isinstance(v, list) or len(v) != spec.length:
            bad(Msg(f"must be a list of {spec.length} amounts (oldest first), got `{shown(v)}`",
                    f"须为 {spec.length} 个金额的列表（由早到晚）（得到 `{shown(v)}`）"))
        out = {}
        for n, item in zip(spec.numeric_names, v):
            out.update(_number(spec, item, (file, pos, n), bad))
        return out
    return _number(spec, v, where, bad)


YES_NO = {"是": True, "否": False}


def choice_of(spec: FactSpec, v):
    """An enum value as its id: the id itself, or its Chinese label from the vocabulary (硕士 → master,
    女 → female, 昌平区 or 昌平 → changping)."""
    if not isinstance(v, str) or v in spec.choices:
        return v
    for cid, zh in spec.choice_zh:
        if v == zh or (zh.endswith("区") and v == zh[:-1]):
            return cid
    return v


def _number(spec: FactSpec, v, where, bad) -> dict[str, Fraction]:
    name = where[2]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        unit = f" ({spec.unit['en']})" if spec.unit else ""
        unit_zh = f"（{spec.unit['zh']}）" if spec.unit else ""
        bad(Msg(f"must be a number{unit}, got `{shown(v)}`", f"须为数值{unit_zh}（得到 `{shown(v)}`）"))
    try:
        x = number(v)
    except ValueError as exc:
        bad(bilingual(str(exc)))
    if spec.type == "int" and x.denominator != 1:
        bad(Msg(f"must be a whole number, got `{v}`", f"须为整数（得到 `{v}`）"))
    if spec.minimum is not None and x < spec.minimum:
        bad(Msg(f"must be at least {fmt_num(spec.minimum)}, got `{v}`", f"不能小于 {fmt_num(spec.minimum)}（得到 `{v}`）"))
    if spec.maximum is not None and x > spec.maximum:
        bad(Msg(f"must be at most {fmt_num(spec.maximum)}, got `{v}`", f"不能大于 {fmt_num(spec.maximum)}（得到 `{v}`）"))
    return {name: x}


def load_profile(path: str | Path, policy: Policy, date: dt.date | None = None) -> Facts:
    """Read a YAML/JSON profile; every mistake is an ``InputError`` naming file, line and field."""
    data, name = read_profile(path)
    return facts_from_dict(data, policy, date=date, file=name)


def read_profile(path: str | Path):
    """The parsed profile and the name to report it by; ``-`` reads standard input."""
    if str(path) == "-":
        import sys
        return read_yaml(Path("<stdin>"), text=sys.stdin.read()), "<stdin>"
    path = Path(path)
    return read_yaml(path), str(path)  # a missing, unreadable, special or oversized file is an InputError


def facts_from_dict(data, policy: Policy, date: dt.date | None = None, file: str = "<profile>") -> Facts:
    vocab = policy.vocabulary
    if data is None or data == {}:
        raise InputError(Msg("the profile is empty; it needs `application`, `applicant` and `employer` sections "
                             "(see examples/ and docs/profile.md)",
                             "档案为空；需要 `application`、`applicant` 和 `employer` 三部分（见 examples/ 与 docs/profile.md）"),
                         file=file)
    if not isinstance(data, dict):
        raise InputError(Msg("a profile is a mapping with `application`, `applicant` and `employer` sections",
                             "档案是包含 `application`、`applicant` 和 `employer` 三部分的映射"), file=file)
    ident = {}
    for key in ("id", "name"):  # optional: who the profile is, carried to every output, ignored by the rules
        if key in data:
            v = data[key]
            if isinstance(v, dict | list):
                pos = key_pos(data, key)
                raise InputError(Msg("must be a single value (text or a number)", "须为单个值（文本或数字）"),
                                 file=file, line=pos[0], col=pos[1], field=key)
            ident[key] = v if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
    if ident and isinstance(data, CommentedMap):  # freshly parsed: drop in place, keeping the positions
        for key in ident:
            del data[key]
    elif ident:
        data = {k: v for k, v in data.items() if k not in ident}
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
        spec = vocab.facts[name]
        if spec.type == "enum" and isinstance(v, str):
            v = flat[name] = choice_of(spec, v)  # a Chinese label stands for its id everywhere after
        elif spec.type == "bool" and isinstance(v, str) and v in YES_NO:
            v = flat[name] = YES_NO[v]
        conv = _convert(spec, v, (file, spans.get(name, (None, None)), name))
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
                  stated=flat, defaulted=frozenset(defaulted), ident=ident)
    birth = dates.get("applicant.birth_date")
    if birth is not None:
        if birth > day:
            pos = spans.get("applicant.birth_date", (None, None))
            raise InputError(Msg(f"the birth date {birth} is after the application date {day}",
                                 f"出生日期 {birth} 晚于申请日期 {day}"), file=file,
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
            # name what the user wrote: a derived fact (age) by the facts it is derived from (birth date)
            written = [w for n in names for w in (DERIVED_FROM.get(n, ()) or (n,))]
            stated = [n for n in written if n in facts.spans] or written
            pos = facts.spans.get(stated[0], (None, None))
            shown = ", ".join(f"{n.split('.')[-1]}={_show(facts, n)}" for n in names if n in facts.values)
            raise InputError(Msg(f"impossible profile: {c.message['en']} ({shown})",
                                 f"档案不可能成立：{c.message['zh']}（{shown}）"), file=facts.file,
                             line=pos[0], col=pos[1], field=stated[0])
        if not c.validate and evaluate(c.when, facts.values) is False:
            # facts that contradict each other: a warning naming both (all) fields, with their values
            names = sorted(facts_of(c.when))
            shown = ", ".join(f"{n} = {_show(facts, n)}" for n in names)
            facts.warnings.append(Msg(f"contradictory facts: {shown}: {c.message['en']}",
                                      f"事实相互矛盾：{shown}：{c.message['zh']}"))


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
