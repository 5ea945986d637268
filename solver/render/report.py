"""`wrp report`: one standalone HTML file comparing jurisdictions, for analysts' briefings.

Nothing here decides anything: the sections are the results of the analyses (``compare``,
``conflicts``, procedural conflicts, the income thresholds computed from the rules and the wage
table, and — with ``--population`` — the population engine), laid out as HTML with inline SVG
charts and inline CSS. The page loads nothing from anywhere (no CDN, no font, no script), prints as
it looks, and every string that comes from a profile, a rules file or a source text is escaped by
``solver.render.markup``.

Example:
    >>> from solver.app import App
    >>> r = build_report(App(), ["changping", "daxing"], dt.date(2025, 9, 1), conflicts=False)
    >>> page = r.to_html("zh")
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page, 'data-value="17906"' in page
    (True, False, True)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from policy.errors import InputError
from policy.i18n import say, word
from policy.load import POLICY_DIR, Policy
from solver.facts import wage_on
from solver.render.atomic import check_target, write_atomic
from solver.render.markup import Markup, el, ident, raw
from solver.render.svg import Point, Series, fmt, heat_map, line_chart, stacked_bars
from solver.render.thresholds import ThresholdLine, income_thresholds

# --- words ---------------------------------------------------------------------------------------

UI = {
    "title": ("北京市工作居住证 各辖区规则对比报告", "Beijing Work Residence Permit — rules compared across jurisdictions"),
    "date": ("规则日期", "rules as of"),
    "wage": ("适用平均工资", "average wage in force"),
    "generated": ("生成", "generated"),
    "toc": ("目录", "Contents"),
    "s_compare": ("规则对比（按主题）", "The rules compared, topic by topic"),
    "s_thresholds": ("收入标准随时间变化", "Income thresholds over time"),
    "s_pathways": ("申请条件矩阵", "Pathway matrix"),
    "s_conflicts": ("冲突与问题", "Conflicts and problems"),
    "s_population": ("人群分析", "Population"),
    "topic": ("主题", "topic"),
    "jurisdiction": ("辖区", "jurisdiction"),
    "in_principle": ("原则上", "原则上 (in principle)"),
    "not_regulated": ("未规定", "not regulated"),
    "compare_how": (
        "每个单元格是该辖区在此主题上的条款：白话规则（门槛按规则日期计算）、原文引文与出处。"
        "标记由 z3 在所有申请人上证明得出，以该主题第一个有规定的辖区为基准：相同、更严（其合格者都在基准中合格）、"
        "更宽、不同（互不包含）。≠ 标出存在差异的主题。",
        "Each cell is the jurisdiction's clauses on the topic: the rule in plain words (thresholds computed on the "
        "rules date), the original quote and its citation. The marks are proven by z3 over every applicant, against the "
        "first jurisdiction that regulates the topic: same, stricter (everyone it accepts the reference accepts), looser, "
        "different (neither includes the other). ≠ marks the topics that differ."),
    "thr_how": (
        "门槛 = 倍数 × 本市全口径城镇单位就业人员平均工资（按规定四舍五入到元），每个工资年度一个点；横轴下方为该年度数据的公布日期"
        "（此后的申请适用该年度数据）。空心点：该工资年度适用期间，该辖区规定尚未施行。数字由规则与 policy/params/wage.yaml 计算，"
        "与 wrp check 使用的算法相同。",
        "Threshold = multiple × the Beijing average wage of urban employees (rounded to whole 元 as the rule says), one "
        "point per wage year; under the axis, the date the figure was published (applications from then on use it). "
        "Open points: the jurisdiction's rules were not yet in force while that figure applied. Computed from the rules "
        "and policy/params/wage.yaml with the arithmetic `wrp check` uses."),
    "monthly": ("月收入门槛", "Monthly income thresholds"),
    "annual": ("年收入门槛", "Annual income thresholds"),
    "yuan_month": ("元/月", "CNY/month"),
    "yuan_year": ("元/年", "CNY/year"),
    "wage_year": ("工资年度", "wage year"),
    "axis_caption": ("工资年度 / 公布日期", "wage year / published"),
    "published": ("公布", "published"),
    "in_use": ("规则日期适用", "in force on the rules date"),
    "before_force": ("施行前", "before in force"),
    "facts": ("比较的收入", "income compared"),
    "clauses": ("条款", "clauses"),
    "path_how": (
        "各辖区编号的申请条件（满足其一即可），按条件类型对齐；每格列出该条件的全部要求，其中属于其他主题的标为“额外要求”。"
        "标记比较的是该条件类型本身的条款（z3 证明，含义同上），额外要求见各自主题的对比。",
        "Each jurisdiction's numbered pathways (one must hold), lined up by kind; each cell lists all the pathway's "
        "requirements, those on another topic marked \"extra\". The marks compare the clauses of the pathway's own kind "
        "(proven by z3, as above); extra requirements are compared under their own topic."),
    "extra": ("额外要求", "extra"),
    "conf_how": (
        "跨辖区：同一申请人，单位分别位于各自辖区时，在 A 合格而在 B 不合格。每个主题给出一个最接近普通申请人"
        "（policy/params/reference_profile.yaml）的见证申请人，并经 Datalog 复核。",
        "Between jurisdictions: the same applicant, with the employer in each jurisdiction's own district, eligible in A "
        "and not in B. One witness per topic, the closest to an ordinary applicant "
        "(policy/params/reference_profile.yaml), replayed through Datalog."),
    "pairs": ("两两包含关系", "Inclusion between jurisdictions"),
    "pairs_how": ("行 A、列 B：A 的合格者是否都在 B 合格。⊆ 是；⊇ 反之；= 等价；≠ 互不包含。数字为给出见证的主题数。",
                  "Row A, column B: is everyone eligible in A eligible in B? ⊆ yes; ⊇ the other way; = equivalent; "
                  "≠ neither. The number is how many topics have a witness."),
    "witnesses": ("见证申请人（按辖区对与主题）", "Witnesses, per pair and topic"),
    "eligible_in": ("在 {a} 合格、在 {b} 不合格", "eligible in {a}, not in {b}"),
    "differs_from_ref": ("与参照申请人的差异", "how the applicant differs from the reference applicant"),
    "rejected_by": ("{b} 拒绝的条款", "clauses of {b} that reject"),
    "ref_itself": ("参照申请人本身", "the reference applicant itself"),
    "inside": ("辖区内部：矛盾、失效与冗余条款", "Inside each jurisdiction: contradictions, dead and redundant clauses"),
    "sources": ("来源文件问题", "Problems in the source documents"),
    "procedural": ("程序性冲突", "Procedural conflicts"),
    "none": ("无", "none"),
    "kind": ("类型", "kind"),
    "subject": ("对象", "subject"),
    "finding": ("发现", "finding"),
    "evidence": ("证据", "evidence"),
    "business": ("业务", "business"),
    "outcome": ("结果", "outcome"),
    "witness": ("见证", "witness"),
    "pop_missing_engine": (
        "人群分析需要人群计算引擎（SQL 后端，solver/backends/sql.py），本版本尚未包含该引擎，因此本节没有数据。",
        "The population analysis needs the population engine (the SQL backend, solver/backends/sql.py), which this "
        "version does not include yet; this section has no data."),
    "pop_not_given": ("未提供人群数据（--population FILE），本节从略。", "No population given (--population FILE); section omitted."),
    "pop_shares": ("各辖区合格比例", "Eligibility by district"),
    "pop_flips": ("翻转矩阵：在 A 合格、在 B 不合格的比例", "Flip matrix: share eligible in A and not in B"),
    "pop_clauses": ("拒绝人数最多的条款（在其他辖区合格、在本辖区被拒者）",
                    "Clauses that reject the most people (eligible elsewhere, rejected here)"),
    "people": ("人数", "people"),
    "share": ("比例", "share"),
    "footer": ("由 wrp 生成。引文均为原文（中文）；门槛与关系由规则数据经求解器计算，而非手工填写。",
               "Made by wrp. Quotes are the original Chinese; thresholds and relations are computed by the solvers "
               "from the rules data, not written by hand."),
}

RELATION = {
    "reference": ("基准", "reference"), "same": ("相同", "same"), "stricter": ("更严", "stricter"),
    "looser": ("更宽", "looser"), "different": ("不同", "different"), "absent": ("未规定", "not regulated"),
}
RELATIVE = {"same": ("同{}", "same as {}"), "stricter": ("严于{}", "stricter than {}"),
            "looser": ("宽于{}", "looser than {}"), "different": ("与{}不同", "different from {}")}
STATUS = {"eligible": ("合格", "eligible"), "ineligible": ("不合格", "ineligible"),
          "undetermined": ("无法确定", "undetermined")}
VERDICT = {"a ⊆ b": "⊆", "b ⊆ a": "⊇", "equivalent": "=", "incomparable": "≠"}
KIND = {"dead_pathway": ("失效条件", "dead pathway"), "redundant_clause": ("冗余条款", "redundant clause"),
        "contradiction": ("矛盾条款", "contradiction"), "number_mismatch": ("文号不一致", "number mismatch"),
        "date_mismatch": ("日期矛盾", "dates contradict"), "url_date_mismatch": ("链接日期不符", "URL date mismatch"),
        "requirement": ("要求", "requirement"), "deadline": ("期限", "deadline"), "practice": ("做法", "practice")}
OUTCOME_ZH = {"accepted": "受理", "rejected": "不受理", "in time": "在期限内", "valid": "有效", "lapsed": "已失效",
              "abolished": "已取消", "required": "仍要求",
              "not searched": "未搜索（不代表没有冲突）"}


def T(key: str, lang: str, **kw) -> str:
    s = UI[key][0 if lang == "zh" else 1]
    return s.format(**kw) if kw else s


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


# --- the data --------------------------------------------------------------------------------------


@dataclass
class Report:
    policy: Policy
    jids: list[str]
    date: dt.date
    comparison: object  # solver.compare.Comparison
    thresholds: list[ThresholdLine]
    conflicts: object | None = None  # solver.conflicts.ConflictsResult
    procedural: list = field(default_factory=list)
    population: dict | None = None
    population_notice: str | None = None  # UI key: why there is no population section
    population_file: str | None = None

    def name(self, jid: str, lang: str) -> str:
        j, _ = self.policy.version(jid, self.date)
        return j.name.get(lang, jid)

    def to_html(self, lang: str = "zh") -> str:
        return render_html(self, lang)

    def warnings(self) -> list[str]:
        """What the reader must know about the date: rules not in force on it, a wage year not known."""
        out = [w for j in self.jids if (w := self.policy.version(j, self.date)[1])]
        wage = wage_on(self.policy.params, self.date)
        if wage.warning:
            out.append(wage.warning)
        return out


def build_report(app, jids: list[str], date: dt.date, population: str | None = None,
                 conflicts: bool = True) -> Report:
    """Run the analyses the report shows through the facade (``conflicts=False`` leaves the slowest
    one out)."""
    policy = app.policy
    for j in jids:
        policy.version(j, date)  # unknown ids: InputError
    rep = Report(policy, list(jids), date, app.compare(list(jids), date=date), income_thresholds(policy, jids))
    if conflicts:
        answer = app.conflicts(list(jids), date=date)
        rep.conflicts, rep.procedural = answer.result, answer.procedural or []
    if population is None:
        rep.population_notice = "pop_not_given"
    else:
        rep.population_file = population
        rep.population, rep.population_notice = population_data(policy, population, jids, date)
    return rep


@dataclass
class ReportAnswer:
    """What `wrp report` says once the file is written."""

    output: Path
    report: Report
    lang: str
    exit_code: int = 0

    def as_dict(self) -> dict:
        r = self.report
        return {"output": str(self.output), "date": r.date.isoformat(), "jurisdictions": r.jids, "lang": self.lang,
                "sections": ["compare", "thresholds", "pathways", "conflicts", "population"],
                "thresholds": [x.as_dict() for x in r.thresholds],
                "population": "included" if r.population is not None else r.population_notice}

    def render(self, lang: str = "en") -> list:
        zh = lang == "zh"
        out = [f"{'报告已写入' if zh else 'report written to'} {self.output}"]
        if self.report.population_notice == "pop_missing_engine":
            out.append("! " + T("pop_missing_engine", lang))
        return out


def make_report(app, districts: str | list[str] = "all", date: dt.date | None = None, population: str | None = None,
                output: str | Path | None = None, lang: str = "zh", force: bool = False) -> ReportAnswer:
    """`wrp report`: check the output name first (the analyses are slow), build, write atomically
    (``solver.render.atomic``: an existing file is replaced only with ``force``)."""
    if output is None:
        raise InputError("give the file to write with --output FILE", field="--output")
    jids = list(dict.fromkeys(app.jurisdictions(districts)))
    if len(jids) < 2:
        raise InputError("a report compares at least two jurisdictions", field="--districts")
    inputs: list[str | Path] = [population] if population else []
    if app.rules:
        inputs += list(Path(app.rules).glob("*"))
    check_output(output, inputs, force)
    if population is not None and not Path(population).is_file():
        raise InputError("no such file", file=str(population), field="--population")
    rep = build_report(app, jids, date or dt.date.today(), population=population)
    check_output(output, inputs, force)  # again: the file may have appeared while the report was built
    path = write_atomic(output, rep.to_html(lang), force=force, inputs=inputs, field="--output")
    return ReportAnswer(path, rep, lang)


POPULATION_ENGINES = ("solver.analyses.population", "solver.population")  # the SQL population engine (issue 13)
TABLE_READERS = ("solver.analyses.tables", "solver.tables", "solver.backends.tables")


def _engine():
    """The population engine's module and its table reader, or None when it is not installed."""
    import importlib
    for name in POPULATION_ENGINES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if not hasattr(mod, "population"):
            continue
        for rname in (name, *TABLE_READERS):
            try:
                reader = getattr(importlib.import_module(rname), "read_applicants", None)
            except ImportError:
                continue
            if reader is not None:
                return mod, reader
    return None


def population_data(policy: Policy, path: str, jids: list[str], date: dt.date) -> tuple[dict | None, str | None]:
    """Counts by district, the flip matrix and the clauses behind the flips, from the population engine
    (every applicant decided in each district with the employer placed there).

    The shape (what ``render_population`` draws)::

        {"total": N, "districts": [...], "counts": {jid: {"eligible": n, "ineligible": n, "undetermined": n}},
         "flips": {a: {b: n}}, "clauses": [{"district": b, "clause": id, "rejected": n}]}

    ``clauses``: for each district B, the clauses of B that reject the applicants eligible somewhere else,
    added up over the other districts. ``(None, "pop_missing_engine")`` when the engine is absent.
    """
    found = _engine()
    if found is None:
        return None, "pop_missing_engine"
    mod, reader = found
    res = mod.population(policy, reader(policy, path), "all", date=date)
    ds = [j for j in jids if j in res.counts]
    clauses: dict[tuple[str, str], int] = {}
    for a in ds:
        for b in ds:
            if a != b:
                for cid, n in res.culprits.get(a, {}).get(b, []):
                    clauses[(b, cid)] = clauses.get((b, cid), 0) + n
    return {"total": res.rows, "districts": ds, "counts": {j: res.counts[j] for j in ds},
            "flips": {a: {b: res.flips.get(a, {}).get(b, 0) for b in ds if b != a} for a in ds},
            "clauses": [{"district": b, "clause": c, "rejected": n}
                        for (b, c), n in sorted(clauses.items(), key=lambda kv: (-kv[1], kv[0]))]}, None


def check_output(path: str | Path, inputs: list[str | Path] = (), force: bool = False) -> Path:
    """The resolved output path, or an ``InputError``: a directory, a missing directory, one of the
    ``inputs`` or a shipped policy file; then every check of ``solver.render.atomic.check_target``
    (a link, a device, an existing file without ``force``, no permission)."""
    out = Path(path)
    if out.is_dir():
        raise InputError("is a directory; give a file name such as report.html", file=str(out), field="--output")
    target = out.resolve()
    for i in inputs:
        if i and Path(i).exists() and Path(i).resolve() == target:
            raise InputError("would overwrite an input file; choose another output name", file=str(out),
                             field="--output")
    if target.is_relative_to(POLICY_DIR.resolve()):
        raise InputError("would write into the shipped policy files; choose another output name", file=str(out),
                         field="--output")
    if not target.parent.is_dir():
        raise InputError("no such directory", file=str(target.parent), field="--output")
    check_target(out, force=force, inputs=[i for i in inputs if i], field="--output")
    return target


# --- HTML -------------------------------------------------------------------------------------------


def _css() -> Markup:
    return raw(resources.files("solver.render").joinpath("report.css").read_text(encoding="utf-8"))


def page(title: str, body: list, lang: str) -> str:
    """A whole standalone document: inline CSS, no script, no external resource."""
    head = el("head", el("meta", charset="utf-8"), el("meta", name="viewport", content="width=device-width, initial-scale=1"),
              el("meta", {"http-equiv": "Content-Security-Policy",
                          "content": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}),
              el("title", title), el("style", _css()))
    return "<!DOCTYPE html>\n" + el("html", {"lang": "zh-CN" if lang == "zh" else "en"}, head,
                                    el("body", el("main", body))) + "\n"


def _badge(rel: str, lang: str, relative_to: str | None = None, names: dict | None = None) -> Markup:
    label = _pick(RELATION.get(rel, (rel, rel)), lang)
    if rel in RELATIVE and relative_to:
        label = _pick(RELATIVE[rel], lang).format((names or {}).get(relative_to, relative_to))
    return el("span", {"class": f"badge {rel}", "data-relation": rel}, label)


def _quote(quote: str, source: str, section: str) -> Markup:
    return Markup(el("blockquote", {"class": "quote", "lang": "zh-CN"}, f"“{quote.strip()}”")
                  + el("cite", f"{source} {section}"))


_DERIV = re.compile(r"( \[[^\[\]]*\])")


def _rule(words: str, strength: str, quote: str, source: str, section: str, lang: str, extra: bool = False) -> Markup:
    # the threshold arithmetic of each comparison, in brackets after it, is set in small grey type
    parts = [el("span", {"class": "deriv"}, p) if p.startswith(" [") else p for p in _DERIV.split(words) if p]
    tags = []
    if extra:
        tags += [el("span", {"class": "badge extra"}, T("extra", lang)), " "]
    if strength == "in_principle":
        tags += [el("span", {"class": "badge principle"}, T("in_principle", lang)), " "]
    bits = [*tags, el("span", parts)]
    return el("div", {"class": "rule" + (" extra-rule" if extra else "")}, el("div", bits),
              _quote(quote, source, section))


def _compare_table(rep: Report, rows, lang: str, css: str = "compare") -> Markup:
    names = {j: rep.name(j, lang) for j in rep.jids}
    head = el("thead", el("tr", el("th", {"class": "topic"}, T("topic", lang)),
                          [el("th", {"data-jurisdiction": j}, f"{names[j]}") for j in rep.jids]))
    body = []
    for r in rows:
        mark = el("span", {"class": "mark"}, "≠") if r.differs else None
        cells = []
        for c in r.cells:
            if not c.clauses:
                cells.append(el("td", {"class": "rel-absent", "data-relation": "absent"}, "—",
                                el("div", {"class": "small"}, T("not_regulated", lang))))
                continue
            rules = [_rule(x.words[lang], x.strength, x.quote, x.source, x.section, lang) for x in c.clauses]
            badge = _badge(c.relation, lang, c.relative_to, names) if c.relation != "reference" or r.differs else None
            cells.append(el("td", {"class": f"rel-{c.relation.split()[0]}", "data-relation": c.relation,
                                   "data-jurisdiction": c.jurisdiction}, badge, rules))
        body.append(el("tr", {"class": "differs" if r.differs else None, "data-topic": r.topic},
                       el("th", {"class": "topic"}, mark, r.label.get(lang, r.topic),
                          el("div", {"class": "id"}, r.topic)), cells))
    return el("table", {"class": css}, head, el("tbody", body))


def section_compare(rep: Report, lang: str) -> list:
    rows = [r for r in rep.comparison.rows if not r.topic.startswith("pathway_")]
    return [el("h2", {"id": "compare"}, "1. ", T("s_compare", lang)), el("p", {"class": "how"}, T("compare_how", lang)),
            _compare_table(rep, rows, lang)]


def _threshold_chart(rep: Report, param: str, lang: str) -> list:
    lines = [x for x in rep.thresholds if x.param == param]
    if not lines:
        return []
    years = sorted({p.year for x in lines for p in x.points})
    pub = {p.year: p.published for x in lines for p in x.points}
    in_use = wage_on(rep.policy.params, rep.date).year
    groups: dict[tuple, list[ThresholdLine]] = {}
    for x in lines:
        groups.setdefault(x.key, []).append(x)
    series = []
    for (_, times, _), ls in sorted(groups.items(), key=lambda kv: kv[0][1]):
        names = "、".join(rep.name(x.jurisdiction, lang) for x in ls) if lang == "zh" else \
            ", ".join(rep.name(x.jurisdiction, lang) for x in ls)
        label = f"{fmt(float(times))}× {names}"
        pts = []
        for p in ls[0].points:
            in_force = [x.jurisdiction for x in ls if next(q for q in x.points if q.year == p.year).in_force]
            tip = (f"{label} · {p.year}{'年度' if lang == 'zh' else ''} · {fmt(float(p.value))} "
                   f"{T('yuan_month' if param == 'wage.monthly' else 'yuan_year', lang)} · "
                   f"{say(p.derivation, lang)} · {T('published', lang)} {p.published}")
            pts.append(Point(years.index(p.year), float(p.value), tip,
                             {"year": p.year, "times": fmt(float(times)), "param": param,
                              "jurisdictions": " ".join(x.jurisdiction for x in ls),
                              "published": p.published.isoformat()}, hollow=not in_force))
        series.append(Series(f"{param}:{fmt(float(times))}", label, pts))
    title = T("monthly" if param == "wage.monthly" else "annual", lang)
    xl = [f"{y}{'年度' if lang == 'zh' else ''}" for y in years]
    xs = [f"{pub[y]:%Y-%m-%d}" for y in years]
    chart = line_chart(title, xl, series, T("yuan_month" if param == "wage.monthly" else "yuan_year", lang), xsub=xs,
                       xcaption=T("axis_caption", lang), value_labels={years.index(in_use), len(years) - 1}
                       if in_use in years else {len(years) - 1},
                       chart_id=f"chart-{param.replace('.', '-')}",
                       highlight=(years.index(in_use), T("in_use", lang)) if in_use in years else None)
    # the numbers, per jurisdiction, in a table under the chart
    head = el("tr", el("th", T("wage_year", lang)), el("th", T("published", lang)),
              [el("th", {"class": "num"}, f"{rep.name(x.jurisdiction, lang)} {fmt(float(x.times))}×") for x in lines])
    rows = []
    for y in years:
        cells = []
        for x in lines:
            p = next(q for q in x.points if q.year == y)
            cells.append(el("td", {"class": "num", "title": say(p.derivation, lang),
                                   "data-jurisdiction": x.jurisdiction, "data-year": y, "data-param": param,
                                   "data-times": fmt(float(x.times))},
                            fmt(float(p.value)), None if p.in_force else el("span", {"class": "muted small"},
                                                                              f" ({T('before_force', lang)})")))
        rows.append(el("tr", {"class": "in-use" if y == in_use else None}, el("td", y), el("td", str(pub[y])), cells))
    facts = sorted({f for x in lines for f in x.facts})
    labels = [rep.policy.vocabulary.spec(f).label.get(lang, f) for f in facts]
    return [el("div", {"class": "chart-wrap"}, chart),
            el("table", {"class": "thresholds", "data-param": param}, el("thead", head), el("tbody", rows)),
            el("p", {"class": "small muted"}, f"{T('facts', lang)}: ", "；".join(labels) if lang == "zh" else "; ".join(labels))]


def section_thresholds(rep: Report, lang: str) -> list:
    w = wage_on(rep.policy.params, rep.date)
    return [el("h2", {"id": "thresholds"}, "2. ", T("s_thresholds", lang)), el("p", {"class": "how"}, T("thr_how", lang)),
            el("p", {"class": "small"}, f"{T('date', lang)} {rep.date}: {T('wage', lang)} {w.year} — "
               f"{w.monthly:,} {T('yuan_month', lang)}, {w.annual:,} {T('yuan_year', lang)}. {say(w.note, lang)}"),
            *_threshold_chart(rep, "wage.monthly", lang), *_threshold_chart(rep, "wage.annual", lang)]


def section_pathways(rep: Report, lang: str) -> list:
    """Rows: the kinds of pathway (pathway topics); cells: each jurisdiction's numbered pathways of that
    kind with every clause they contain — the clauses on other topics are its extra requirements."""
    names = {j: rep.name(j, lang) for j in rep.jids}
    words = {x.id: x for r in rep.comparison.rows for c in r.cells for x in c.clauses}
    relation = {r.topic: {c.jurisdiction: c for c in r.cells} for r in rep.comparison.rows}
    jurs = {j: rep.policy.version(j, rep.date)[0] for j in rep.jids}
    topics = [t for t in rep.policy.vocabulary.topics
              if any(p.topic == t for j in rep.jids for p in jurs[j].pathways)]
    head = el("thead", el("tr", el("th", {"class": "topic"}, T("topic", lang)), [el("th", names[j]) for j in rep.jids]))
    body = []
    for t in topics:
        cells, differs = [], False
        for j in rep.jids:
            paths = [p for p in jurs[j].pathways if p.topic == t]
            if not paths:
                cells.append(el("td", {"class": "rel-absent", "data-relation": "absent"}, "—"))
                differs = True
                continue
            cell = relation.get(t, {}).get(j)
            rel = cell.relation if cell is not None and cell.clauses else "reference"
            differs |= rel not in ("reference", "same")
            blocks = []
            for p in paths:
                items = []
                for c in p.clauses:
                    x = words[c.id]
                    items.append(_rule(x.words[lang], x.strength, x.quote, x.source, x.section, lang, c.topic != t))
                blocks.append(el("div", {"class": "pathway", "data-pathway": p.id}, el("strong", p.title.get(lang, p.id)),
                                 items))
            badge = _badge(rel, lang, cell.relative_to if cell is not None else None, names)
            cells.append(el("td", {"class": f"rel-{rel.split()[0]}", "data-relation": rel, "data-jurisdiction": j},
                            badge, blocks))
        body.append(el("tr", {"class": "differs" if differs else None, "data-topic": t},
                       el("th", {"class": "topic"}, el("span", {"class": "mark"}, "≠") if differs else None,
                          rep.policy.vocabulary.topics[t].get(lang, t)), cells))
    return [el("h2", {"id": "pathways"}, "3. ", T("s_pathways", lang)), el("p", {"class": "how"}, T("path_how", lang)),
            el("table", {"class": "compare pathways"}, head, el("tbody", body))]


def _clause_list(refs, lang: str) -> Markup:
    return el("ul", {"class": "tight"}, [el("li", el("span", {"class": "id"}, c.id), _quote(c.quote, c.source, c.section))
                                         for c in refs])


def section_conflicts(rep: Report, lang: str) -> list:
    out: list = [el("h2", {"id": "conflicts"}, "4. ", T("s_conflicts", lang)), el("p", {"class": "how"}, T("conf_how", lang))]
    res = rep.conflicts
    if res is None:
        return out + [el("p", {"class": "notice"}, "—")]
    names = {j: rep.name(j, lang) for j in rep.jids}
    pairs = {(p.a, p.b): p for p in res.pairs}
    # 4.1 the inclusion grid
    head = el("tr", el("th", "A \\ B"), [el("th", names[b]) for b in rep.jids])
    rows = []
    for a in rep.jids:
        cells = []
        for b in rep.jids:
            p = pairs.get((a, b))
            if p is None:
                cells.append(el("td", {"class": "diag"}, ""))
                continue
            sym = VERDICT.get(p.verdict, "?")
            cells.append(el("td", {"class": "pair", "data-a": a, "data-b": b, "data-verdict": p.verdict,
                                   "title": p.verdict}, el("span", {"class": "verdict"}, sym),
                            el("div", {"class": "small muted"}, str(len(p.differences)))))
        rows.append(el("tr", el("th", names[a]), cells))
    out += [el("h3", "4.1 ", T("pairs", lang)), el("p", {"class": "how"}, T("pairs_how", lang)),
            el("table", {"class": "matrix"}, el("thead", head), el("tbody", rows))]
    # 4.2 witnesses
    out.append(el("h3", "4.2 ", T("witnesses", lang)))
    topics = rep.policy.vocabulary.topics
    for p in res.pairs:
        if not p.differences:
            continue
        trs = []
        for d in p.differences:
            label = topics.get(d.topic, {}).get(lang, d.topic)
            if d.witness is None:
                trs.append(el("tr", el("td", label), el("td", {"colspan": 2}, d.status)))
                continue
            w = d.witness
            diffs = [el("li", f"{w.label(f, lang)}: {say(r, lang)} → ", el("strong", say(v, lang)))
                     for f, r, v in w.differences] or [el("li", T("ref_itself", lang))]
            trs.append(el("tr", {"data-topic": d.topic}, el("td", label, el("div", {"class": "id"}, d.topic)),
                          el("td", el("ul", {"class": "tight"}, diffs)), el("td", _clause_list(w.rejecting, lang))))
        summary = el("summary", f"{names[p.a]} → {names[p.b]}: ", T("eligible_in", lang, a=names[p.a], b=names[p.b]),
                     f" ({len(p.differences)})")
        out.append(el("details", {"open": True, "data-a": p.a, "data-b": p.b}, summary, el("table", el("thead", el(
            "tr", el("th", T("topic", lang)), el("th", T("differs_from_ref", lang)),
            el("th", T("rejected_by", lang, b=names[p.b])))), el("tbody", trs))))
    # 4.3 inside
    out.append(el("h3", "4.3 ", T("inside", lang)))
    if res.findings:
        out.append(el("table", el("thead", el("tr", el("th", T("jurisdiction", lang)), el("th", T("kind", lang)),
                                              el("th", T("finding", lang)), el("th", T("clauses", lang)))),
                      el("tbody", [el("tr", el("td", names.get(f.jurisdiction, f.jurisdiction)),
                                       el("td", _pick(KIND.get(f.kind, (f.kind, f.kind)), lang)),
                                       el("td", f.message.get(lang, f.message["en"]), el("div", {"class": "id"}, f.subject)),
                                       el("td", _clause_list(f.clauses, lang))) for f in res.findings])))
    else:
        out.append(el("p", T("none", lang)))
    # 4.4 sources
    out.append(el("h3", "4.4 ", T("sources", lang)))
    if res.sources:
        out.append(el("table", el("thead", el("tr", el("th", T("kind", lang)), el("th", T("finding", lang)),
                                              el("th", T("evidence", lang)))),
                      el("tbody", [el("tr", el("td", _pick(KIND.get(s.kind, (s.kind, s.kind)), lang),
                                               el("div", {"class": "id"}, s.document)),
                                       el("td", s.message.get(lang, s.message["en"])),
                                       el("td", el("ul", {"class": "tight"}, [
                                           el("li", el("cite", f"{e['source']}:{e['line']}"),
                                              el("span", {"lang": "zh-CN"}, e["text"])) for e in s.evidence])))
                                   for s in res.sources])))
    else:
        out.append(el("p", T("none", lang)))
    # 4.5 procedural
    out.append(el("h3", "4.5 ", T("procedural", lang)))
    if rep.procedural:
        out.append(_procedural_table(rep, lang, names))
    else:
        out.append(el("p", T("none", lang)))
    for n in res.notes:
        out.append(el("p", {"class": "notice"}, say(n, lang)))
    return out


_OUTCOME_ZH = ((re.compile(r"^rejected in principle.*"), "原则上不受理（可酌情豁免）"),
               (re.compile(r"^too early \(window opens (.*)\)$"), r"过早（\1 起可申请）"),
               (re.compile(r"^too late \(last safe day (.*)\)$"), r"过晚（最后安全日 \1）"))


def outcome_text(s: str, lang: str) -> str:
    """A procedural outcome (``accepted``, ``too late (last safe day …)`` …) in the user's language."""
    if lang != "zh":
        return s
    if s in OUTCOME_ZH:
        return OUTCOME_ZH[s]
    for rx, zh in _OUTCOME_ZH:
        if rx.match(s):
            return rx.sub(zh, s)
    return s


def _value(v, lang: str) -> str:
    if isinstance(v, bool):
        return say(word("true" if v else "false"), lang)
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _procedural_table(rep: Report, lang: str, names: dict) -> Markup:
    from policy.procedures import BUSINESSES, load_procedures, procedure_policy
    ptopics = load_procedures(rep.policy).topics
    vocab = procedure_policy(rep.policy).vocabulary
    vtopics = rep.policy.vocabulary.topics

    def fact_label(name: str) -> str:
        try:
            spec = vocab.spec(name)
        except KeyError:
            return name
        return spec.label.get(lang, name)

    trs = []
    for c in rep.procedural:
        label = (ptopics.get(c.topic) or vtopics.get(c.topic) or {}).get(lang, c.topic)
        business = BUSINESSES.get(c.business, {}).get(lang, c.business)
        witness = [el("li", fact_label(k), " = ", el("strong", _value(v, lang)), title=k) for k, v in c.witness.items()]
        clauses = [el("li", el("strong", names.get(j, j)), " ", ident(e.id),
                      _quote(e.cite.quote, e.cite.source, e.cite.section))
                   for j, es in ((c.a, c.entries_a), (c.b, c.entries_b)) for e in es]
        trs.append(el("tr", {"data-kind": c.kind, "data-topic": c.topic},
                      el("td", _pick(KIND.get(c.kind, (c.kind, c.kind)), lang)),
                      el("td", {"title": c.topic}, label, el("div", {"class": "small muted"}, business)),
                      el("td", el("div", f"{names.get(c.a, c.a)}: ", el("strong", outcome_text(c.outcome_a, lang))),
                         el("div", f"{names.get(c.b, c.b)}: ", el("strong", outcome_text(c.outcome_b, lang))),
                         el("span", {"class": "badge principle"}, T("in_principle", lang)) if c.waivable else None),
                      el("td", el("ul", {"class": "tight small"}, witness)),
                      el("td", el("ul", {"class": "tight"}, clauses))))
    cols = el("colgroup", el("col", {"class": "c-kind"}), el("col", {"class": "c-topic"}), el("col", {"class": "c-out"}),
              el("col", {"class": "c-wit"}), el("col", {"class": "c-cl"}))
    return el("table", {"class": "procedural"}, cols,
              el("thead", el("tr", el("th", T("kind", lang)), el("th", T("topic", lang)), el("th", T("outcome", lang)),
                             el("th", T("witness", lang)), el("th", T("clauses", lang)))), el("tbody", trs))


def render_population(rep: Report, data: dict, lang: str) -> list:
    """The population section from the engine's summary (shape in ``population_data``)."""
    names = {j: rep.name(j, lang) for j in data["districts"]}
    total = max(int(data["total"]), 1)
    legend = [(_pick(STATUS["eligible"], lang), "#2e7d32"), (_pick(STATUS["undetermined"], lang), "#e09f3e"),
              (_pick(STATUS["ineligible"], lang), "#b23a2b")]
    bars = []
    for j in data["districts"]:
        c = data["counts"].get(j, {})
        bars.append([(_pick(STATUS[s], lang), c.get(s, 0) / total,
                      f"{names[j]} · {_pick(STATUS[s], lang)}: {c.get(s, 0):,} / {total:,} ({c.get(s, 0) / total:.1%})")
                     for s in ("eligible", "undetermined", "ineligible")])
    out = [el("h3", T("pop_shares", lang)),
           el("div", {"class": "chart-wrap"}, stacked_bars(T("pop_shares", lang), [names[j] for j in data["districts"]],
                                                           bars, legend, chart_id="chart-population"))]
    ds = data["districts"]
    values, labels = {}, {}
    for i, a in enumerate(ds):
        for k, b in enumerate(ds):
            if a == b:
                continue
            n = data["flips"].get(a, {}).get(b, 0)
            values[(i, k)] = n / total
            labels[(i, k)] = f"{n / total:.0%}\n{names[a]} → {names[b]}: {n:,}"
    out += [el("h3", T("pop_flips", lang)),
            el("div", {"class": "chart-wrap"}, heat_map(T("pop_flips", lang), [names[j] for j in ds], [names[j] for j in ds],
                                                        values, labels, row_title="A", col_title="B",
                                                        chart_id="chart-flips"))]
    rows = [el("tr", el("td", names.get(c["district"], c["district"])), el("td", el("span", {"class": "id"}, c["clause"])),
               el("td", {"class": "num"}, f"{c['rejected']:,}"), el("td", {"class": "num"}, f"{c['rejected'] / total:.1%}"))
            for c in data.get("clauses", [])[:15]]
    out += [el("h3", T("pop_clauses", lang)),
            el("table", el("thead", el("tr", el("th", T("jurisdiction", lang)), el("th", T("clauses", lang)),
                                       el("th", {"class": "num"}, T("people", lang)),
                                       el("th", {"class": "num"}, T("share", lang)))), el("tbody", rows))]
    return out


def section_population(rep: Report, lang: str) -> list:
    out: list = [el("h2", {"id": "population"}, "5. ", T("s_population", lang))]
    if rep.population is None:
        text = T(rep.population_notice or "pop_not_given", lang)
        if rep.population_file:
            text += f" ({rep.population_file})"
        return out + [el("div", {"class": "notice", "role": "note", "data-notice": rep.population_notice},
                         el("strong", "⚠ "), text)]
    return out + render_population(rep, rep.population, lang)


def render_html(rep: Report, lang: str = "zh") -> str:
    w = wage_on(rep.policy.params, rep.date)
    names = [rep.name(j, lang) for j in rep.jids]
    sep = "、" if lang == "zh" else ", "
    header = el("header", {"class": "report"}, el("h1", T("title", lang)),
                el("div", {"class": "meta"}, el("span", sep.join(names)), el("span", f"{T('date', lang)} {rep.date}"),
                   el("span", f"{T('wage', lang)} {w.year}: {w.monthly:,} {T('yuan_month', lang)}"),
                   el("span", f"{T('generated', lang)} {dt.date.today()}")))
    sections = [("compare", "s_compare"), ("thresholds", "s_thresholds"), ("pathways", "s_pathways"),
                ("conflicts", "s_conflicts"), ("population", "s_population")]
    toc = el("nav", {"class": "toc"}, el("strong", T("toc", lang)),
             el("ol", [el("li", el("a", {"href": f"#{k}"}, T(v, lang))) for k, v in sections]))
    notices = [el("div", {"class": "notice", "role": "note", "data-notice": "warning"}, el("strong", "⚠ "), say(m, lang))
               for m in rep.warnings()]
    if rep.population_notice == "pop_missing_engine":
        notices.append(el("div", {"class": "notice", "role": "note"}, el("strong", "⚠ "), T("pop_missing_engine", lang)))
    parts = {"compare": section_compare, "thresholds": section_thresholds, "pathways": section_pathways,
             "conflicts": section_conflicts, "population": section_population}
    body = [header, toc, *notices, [el("section", {"id": f"s-{k}"}, f(rep, lang)) for k, f in parts.items()],
            el("footer", T("footer", lang))]
    return page(T("title", lang), body, lang)


__all__ = ["build_report", "make_report", "ReportAnswer", "Report", "render_html", "check_output", "page", "population_data", "render_population"]
