"""Decisions → explanation objects: JSON (the CLI contract), rich trees and tables, and the summary
`wrp check` prints (``Lines``, printable without rich), in Chinese or English.

Quotes are always the original Chinese; everything else follows ``lang``. rich is imported only by
the functions that build rich objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policy.i18n import STATUS_ZH, Msg, cite_text, fact_label, say
from policy.load import Policy
from solver.decide import ClauseResult, Decision, Leaf
from solver.render.leaf import actual_text, leaf_json, required_text
from solver.render.lines import Line, Lines

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

UI = {
    **{k: {"zh": v, "en": k} for k, v in STATUS_ZH.items()},
    "held": {"zh": "满足", "en": "held"},
    "failed": {"zh": "不满足", "en": "failed"},
    "unknown": {"zh": "未知", "en": "unknown"},
    "waived": {"zh": "已豁免（原则上）", "en": "waived (原则上)"},
    "satisfied": {"zh": "满足", "en": "satisfied"},
    "employer": {"zh": "单位条件（须全部满足）", "en": "Employer conditions (all must hold)"},
    "applicant": {"zh": "个人条件（须全部满足）", "en": "Applicant conditions (all must hold)"},
    "pathways": {"zh": "申请条件（满足其一即可）", "en": "Pathways (at least one must hold)"},
    "exclusions": {"zh": "不具备申报资格的情形（均不得存在）", "en": "Exclusions (none may apply)"},
    "status": {"zh": "结论", "en": "Status"},
    "in_principle": {"zh": "原则上", "en": "in principle (原则上)"},
    "wage": {"zh": "平均工资基数", "en": "Average wage used"},
    "warnings": {"zh": "提示", "en": "Warnings"},
    "unknown_facts": {"zh": "决定结论的未知事实", "en": "Unknown facts that decide the answer"},
    "waivable": {"zh": "可由主管部门酌情豁免（原则上）", "en": "Waivable by the office (原则上)"},
    "note": {"zh": "解释说明", "en": "note"},
    "required": {"zh": "要求", "en": "required"},
    "actual": {"zh": "实际", "en": "actual"},
    "excluded": {"zh": "属于排除情形", "en": "excluded"},
    "not_excluded": {"zh": "不属于排除情形", "en": "does not apply"},
    "retirement": {"zh": "法定退休年龄", "en": "statutory retirement age"},
    "lenient": {"zh": "宽松模式：各项原则上条件视为豁免，但仍须至少满足一项申请条件",
                "en": "lenient mode: each 原则上 condition is waived; at least one pathway must still hold"},
    "source_of_wage": {"zh": "平均工资出处", "en": "wage figure from"},
}
# the categories of policy/params/retirement.yaml
RETIREMENT_CATEGORY = {"male": Msg("male", "男性"), "female_cadre": Msg("female_cadre", "女性干部"),
                       "female_worker": Msg("female_worker", "女性工人")}
MARK = {"held": "✓", "failed": "✗", "unknown": "?", "waived": "~", "satisfied": "✓"}
STYLE = {"held": "green", "failed": "red", "unknown": "yellow", "waived": "cyan", "satisfied": "green",
         "eligible": "bold green", "ineligible": "bold red", "undetermined": "bold yellow"}



def _unknown_words(d, lang: str) -> str:
    """The unknown facts that decide the answer by their labels, with the path a profile uses."""
    vocab = getattr(getattr(d, "policy", None), "vocabulary", None)
    out = []
    for name in d.unknown:
        try:
            out.append(f"{fact_label(vocab.spec(name), name, lang)} ({name})")
        except Exception:  # noqa: BLE001 — a fact the vocabulary does not know (or no policy): its path
            out.append(name)
    return "；".join(out) if lang == "zh" else "; ".join(out)

def t(key: str, lang: str) -> str:
    return UI[key][lang]




# --- JSON ----------------------------------------------------------------------------------------


def _optional(c: ClauseResult) -> dict:
    """The keys a clause has only sometimes: its pathway and its interpretation notes."""
    cl = c.clause
    return {k: v for k, v in (("pathway", cl.pathway), ("note", cl.note), ("note_zh", cl.note_zh),
                              ("applies_to", list(cl.applies_to) if cl.applies_to is not None else None)) if v}


def _failed_entries(policy: Policy, c: ClauseResult) -> list[dict]:
    base = {"clause": c.clause.id, "topic": c.clause.topic, "strength": c.clause.strength,
            "cite": c.clause.cite.as_dict(), **_optional(c)}
    leaves = [lf for lf in c.leaves if lf.status is False] or c.leaves
    if not leaves:
        return [{**base, "fact": None, "actual": None, "required": None}]
    return [{**base, **leaf_json(policy, lf)} for lf in leaves]


def _clause_json(policy: Policy, c: ClauseResult) -> dict:
    d = {"id": c.clause.id, "kind": c.clause.kind, "topic": c.clause.topic, "status": c.status,
         "strength": c.clause.strength, "leaves": [leaf_json(policy, lf) | {"status": _s(lf)} for lf in c.all_leaves],
         "cite": c.clause.cite.as_dict(), **_optional(c)}
    if c.waived_would:
        d["waived_would_be"] = c.waived_would
    if c.cases is not None:
        d["either_way"] = c.cases.as_dict()
    if c.unknown_facts:
        d["unknown"] = c.unknown_facts
    return d


def _s(lf: Leaf) -> str:
    return {True: "held", False: "failed", None: "unknown"}[lf.status]


def decision_json(d: Decision) -> dict:
    """The CLI contract; the profile's optional ``id`` / ``name`` first."""
    return {**d.facts.ident, **_decision_json(d)}


def _decision_json(d: Decision) -> dict:
    j = d.jurisdiction
    return {
        "district": j.id,
        "date": d.date.isoformat(),
        "status": d.status,
        "eligible": d.eligible,
        "pathways": [{"id": p.pathway.id, "status": p.status, "title": p.pathway.title} for p in d.pathways],
        "failed": [e for c in d.failed() for e in _failed_entries(d.policy, c)],
        "waivable": [{"clause": c.clause.id, "status": c.status if c.status != "waived" else "waived",
                      "cite": c.clause.cite.as_dict(), **({"note": c.clause.note} if c.clause.note else {})}
                     for c in d.waivable()],
        "unknown": d.unknown,
        "lenient": d.lenient,
        "jurisdiction": {"name": j.name, "document": j.document, "file": j.file.rsplit("/", 1)[-1],
                         "in_force_from": j.in_force_from.isoformat() if j.in_force_from else None},
        "wage": {"year": d.facts.wage.year, "monthly": d.facts.wage.monthly, "annual": d.facts.wage.annual,
                 "note": d.facts.wage.note},
        "clauses": [_clause_json(d.policy, c) for c in d.clause_results()],
        "warnings": d.warnings,
        "backend": d.backend,
    }


# --- text ----------------------------------------------------------------------------------------


def _label(policy: Policy, fact: str, lang: str) -> str:
    from policy.i18n import fact_label
    return fact_label(policy.vocabulary.spec(fact), fact, lang)


def _leaf_text(policy: Policy, lf: Leaf, lang: str) -> Text:
    from rich.text import Text
    st = _s(lf)
    name = ", ".join(_label(policy, f, lang) for f in lf.facts)
    txt = Text(f"{MARK[st]} ", style=STYLE[st])
    txt.append(f"{name}: ")
    txt.append(f"{t('actual', lang)} {say(actual_text(policy, lf), lang)}", style="bold")
    txt.append(f"; {t('required', lang)} {say(required_text(policy, lf), lang)}")
    if lf.derivation:
        txt.append(f"  [{say(lf.derivation, lang)}]", style="dim")
    return txt


def _clause_node(policy: Policy, parent: Tree, c: ClauseResult, lang: str, exclusion: bool = False) -> None:
    from rich.text import Text
    status = c.status
    head = Text(f"{MARK[status]} ", style=STYLE[status])
    title = c.clause.title[lang] if c.clause.title else c.clause.id
    head.append(f"{c.clause.id}", style="bold")
    head.append(f"  {t(status, lang)}")
    if exclusion and status in ("held", "failed"):
        head.append(f" ({t('not_excluded' if status == 'held' else 'excluded', lang)})", style="dim")
    if c.clause.strength == "in_principle":
        head.append(f"  [{t('in_principle', lang)}]", style="magenta")
    if c.waived_would:
        head.append(f" ({t(c.waived_would, lang)})", style="dim")
    if c.clause.scope is not None:
        mode, ids = c.clause.scope
        names = ", ".join(ids)
        head.append(f"  [{'不适用于' if lang == 'zh' else 'not for'} {names}]" if mode == "except" else
                    f"  [{'仅适用于' if lang == 'zh' else 'only for'} {names}]", style="cyan")
    node = parent.add(head)
    if title != c.clause.id and not title.startswith(c.clause.cite.quote[:10]):
        node.add(Text(title, style="italic"))
    if c.cases is not None:  # decided either way while a fact it reads is unknown: the cases in words
        node.add(Text(c.cases.text(lang), style=STYLE[c.status] if c.status in STYLE else ""))
    for lf in c.all_leaves:
        node.add(_leaf_text(policy, lf, lang))
    node.add(Text(f"«{c.clause.cite.quote.strip()}» — {c.clause.cite.source} {c.clause.cite.section}", style="blue"))
    if c.clause.note_in(lang):
        node.add(Text(f"{t('note', lang)}: {' '.join(c.clause.note_in(lang).split())}", style="dim italic"))



def _jointly_failing(d: Decision) -> list[ClauseResult]:
    """An exact `ineligible` with no failed clause: every completion of the unknown facts fails one of
    these clauses, though each alone could hold (e.g. a branch fails the tax floor, anything else the
    legal form). Shown so that the verdict never comes without its reason."""
    if d.status != "ineligible" or d.failed():
        return []
    base = [c for c in (*d.employer, *d.applicant, *d.exclusions) if c.status == "unknown"]
    if not any(p.status == "satisfied" for p in d.pathways):
        base += [c for p in d.pathways for c in p.clauses if c.status == "unknown"]
    return base


def _jointly_text(d: Decision, lang: str) -> str:
    ids = ", ".join(c.clause.id for c in _jointly_failing(d))
    facts = ", ".join(d.unknown) or ", ".join(dict.fromkeys(f for c in _jointly_failing(d) for f in c.unknown_facts))
    if lang == "zh":
        return f"未知事实（{facts}）取任何值，以下条款都不能同时满足（单独看各自可能满足）：{ids}"
    return f"for every value of the unknown facts ({facts}) one of these fails, though each alone could hold: {ids}"


def decision_tree(policy: Policy, d: Decision, lang: str = "en") -> Group:
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree
    j = d.jurisdiction
    root = Tree(Text.assemble((f"{j.name[lang]} ({j.id})", "bold"), f" — {j.document} — {d.date}"))
    st = Text(f"{t('status', lang)}: ")
    st.append(t(d.status, lang), style=STYLE[d.status])
    if d.lenient:
        st.append(f"  ({t('lenient', lang)})", style="dim")
    root.add(st)
    for key, items in (("employer", d.employer), ("applicant", d.applicant)):
        if items:
            sub = root.add(Text(t(key, lang), style="bold"))
            for c in items:
                _clause_node(policy, sub, c, lang)
    if d.pathways:
        sub = root.add(Text(t("pathways", lang), style="bold"))
        for p in d.pathways:
            pn = sub.add(Text.assemble((f"{MARK[p.status]} ", STYLE[p.status]), (p.pathway.title[lang], "bold"),
                                       f"  {t(p.status, lang)}"))
            for c in p.clauses:
                _clause_node(policy, pn, c, lang)
            for c in (*d.employer, *d.applicant):  # a clause of some pathways only: shown once, referred to here
                if c.clause.applies_to is not None and c.clause.applies(p.pathway.id):
                    pn.add(Text.assemble((f"{MARK[c.status]} ", STYLE[c.status]), f"{c.clause.id}  {t(c.status, lang)}  ",
                                         ("(见上方条款)" if lang == "zh" else "(the clause above)", "dim")))
    if d.exclusions:
        sub = root.add(Text(t("exclusions", lang), style="bold"))
        for c in d.exclusions:
            _clause_node(policy, sub, c, lang, exclusion=True)
    parts: list = [root]
    w = d.facts.wage
    parts.append(Text(f"{t('wage', lang)}: {w.year}: {w.monthly:,} 元/月, {w.annual:,} 元/年 — {say(w.note, lang)}", style="dim"))
    parts.append(Text(f"{t('source_of_wage', lang)}: {cite_text(w.cite, lang)}", style="dim"))
    if d.facts.retirement.get("age"):
        r = d.facts.retirement
        who = say(RETIREMENT_CATEGORY.get(r["category"], r["category"]), lang)
        parts.append(Text(f"{t('retirement', lang)}: {say(r['age'], lang)} ({r['date']}), {who}", style="dim"))
    if _jointly_failing(d):
        parts.append(Text(f"✗ {_jointly_text(d, lang)}", style="red"))
    if d.unknown:
        parts.append(Text(f"{t('unknown_facts', lang)}: " + _unknown_words(d, lang), style="yellow"))
    if d.waivable():
        parts.append(Text(f"{t('waivable', lang)}: " + ", ".join(c.clause.id for c in d.waivable()), style="magenta"))
    for wmsg in d.warnings:
        parts.append(Text(f"{t('warnings', lang)}: {say(wmsg, lang)}", style="yellow"))
    return Group(*parts)


def decision_summary(policy: Policy, d: Decision, lang: str = "en") -> Lines:
    """What `wrp check` prints: the verdict, then the failed and unknown conditions only."""
    j = d.jurisdiction
    head = Line(((f"{j.name[lang]} ({j.id})", "bold"), (f" {d.date}: ", ""), (t(d.status, lang), STYLE[d.status])))
    if d.lenient:
        head = head.append(f"  ({t('lenient', lang)})", "dim")
    lines: list[Line] = [head]
    sat = [p.pathway.title[lang] for p in d.pathways if p.status == "satisfied"]
    if sat:
        lines.append(Line.of(f"  ✓ {', '.join(sat)}", "green"))
    for c in d.failed():
        strength = f" [{t('in_principle', lang)}]" if c.clause.strength == "in_principle" else ""
        for lf in [x for x in c.leaves if x.status is False] or c.leaves:
            line = Line.of(f"  ✗ {c.clause.id}{strength}: ", "red")
            line = line.append(f"{', '.join(_label(policy, f, lang) for f in lf.facts)} "
                               f"{say(actual_text(policy, lf), lang)}, {t('required', lang)} "
                               f"{say(required_text(policy, lf), lang)}")
            if lf.derivation:
                line = line.append(f" [{say(lf.derivation, lang)}]", "dim")
            lines.append(line)
        lines.append(Line.of(f"      «{c.clause.cite.quote.strip()}» — {c.clause.cite.source} {c.clause.cite.section}",
                             "blue"))
    for c in d.clause_results():
        if c.cases is not None and (c.status != "failed" or c in d.failed()):
            lines.append(Line.of(f"  {MARK.get(c.status, '=')} {c.clause.id}: {c.cases.text(lang)}",
                                 STYLE.get(c.status, "")))
    if _jointly_failing(d):
        lines.append(Line.of(f"  ✗ {_jointly_text(d, lang)}", "red"))
    if d.unknown:
        lines.append(Line.of(f"  ? {t('unknown_facts', lang)}: {_unknown_words(d, lang)}", "yellow"))
    for w in d.warnings:
        lines.append(Line.of(f"  ! {say(w, lang)}", "yellow"))
    return Lines(lines)


def comparison_table(policy: Policy, decisions: list[Decision], lang: str = "en") -> Table:
    from rich.table import Table
    from rich.text import Text
    """For ``--district all``: why here and not there, one row per jurisdiction."""
    tab = Table(title={"zh": "各区结论对比", "en": "Why here and not there"}[lang])
    tab.add_column({"zh": "辖区", "en": "jurisdiction"}[lang])
    tab.add_column(t("status", lang))
    tab.add_column({"zh": "满足的条件", "en": "pathways that hold"}[lang])
    tab.add_column({"zh": "不满足（关键条款）", "en": "what fails here"}[lang])
    for d in decisions:
        sat = ", ".join(p.pathway.id.rsplit(".", 1)[-1] for p in d.pathways if p.status == "satisfied") or "—"
        failed = [c for c in d.failed() if not c.clause.pathway]
        if not any(p.status == "satisfied" for p in d.pathways) and d.pathways:
            failed.append(None)
        parts = []
        for c in failed:
            if c is None:
                parts.append({"zh": "没有满足的申请条件", "en": "no pathway holds"}[lang])
            else:
                lf = next((x for x in c.leaves if x.status is False), None)
                parts.append(f"{c.clause.id}" + (f" ({actual_text(policy, lf)} vs {required_text(policy, lf)})"
                                                 if lf else ""))
        if d.unknown:
            parts.append("? " + ", ".join(d.unknown[:4]))
        tab.add_row(f"{d.jurisdiction.name[lang]} ({d.jurisdiction.id})", Text(t(d.status, lang), style=STYLE[d.status]),
                    sat, "\n".join(parts) or "—")
    return tab
