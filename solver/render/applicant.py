"""One applicant, for a caseworker to print or send: `wrp explain PROFILE --format markdown|html`.

The verdicts side by side (one column per jurisdiction with ``--district all``), then per
jurisdiction the proof — every clause held / failed / unknown with the profile's value, what was
required and the original Chinese quote with its citation — and the cheapest fix found by
``wrp missing`` (already replayed through Datalog). The words come from the decisions; nothing is
decided here. Every string from the profile or the rules is escaped (``solver.render.markup``):
Markdown syntax and HTML in the Markdown, HTML in the page, control characters in both.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from policy.i18n import say, status_text
from policy.load import Policy
from solver.decide import ClauseResult, Decision, Leaf
from solver.render.leaf import actual_text, required_text
from solver.render.markup import el, ident, inert_text, md_text
from solver.render.report import page

W = {
    "title": ("工作居住证资格说明", "Work Residence Permit — eligibility explained"),
    "profile": ("档案", "profile"),
    "date": ("申请日期", "application date"),
    "summary": ("结论一览", "Verdicts"),
    "jurisdiction": ("辖区", "jurisdiction"),
    "status": ("结论", "status"),
    "pathways_held": ("满足的申请条件", "pathways that hold"),
    "fails": ("未满足", "what fails"),
    "rules": ("适用规定", "rules applied"),
    "failed": ("未满足的条款", "Conditions not met"),
    "proof": ("证明（全部条款）", "The proof (every clause)"),
    "employer": ("单位条件（须全部满足）", "Employer conditions (all must hold)"),
    "applicant": ("个人条件（须全部满足）", "Applicant conditions (all must hold)"),
    "pathways": ("申请条件（满足其一即可）", "Pathways (at least one must hold)"),
    "exclusions": ("不具备申报资格的情形（均不得存在）", "Exclusions (none may apply)"),
    "fix": ("最低补足条件", "The cheapest fix"),
    "no_fix": ("没有允许的改变能使申请人符合条件；阻碍的固定事实：", "No allowed change makes the applicant eligible; "
               "blocked by the fixed facts:"),
    "via": ("经由", "via"),
    "actual": ("实际", "actual"),
    "required": ("要求", "required"),
    "unknown": ("决定结论的未知事实", "Unknown facts that decide the answer"),
    "waivable": ("可由主管部门酌情豁免（原则上）", "Waivable by the office (原则上)"),
    "warnings": ("提示", "Warnings"),
    "wage": ("平均工资基数", "Average wage used"),
    "none": ("无", "none"),
    "in_principle": ("原则上", "原则上 (in principle)"),
    "note": ("解释说明", "note"),
}
MARK = {"held": "✓", "failed": "✗", "unknown": "?", "waived": "~", "satisfied": "✓"}
CLAUSE_STATUS = {"held": ("满足", "held"), "failed": ("不满足", "failed"), "unknown": ("未知", "unknown"),
                 "waived": ("已豁免（原则上）", "waived (原则上)"), "satisfied": ("满足", "satisfied")}


def w(key: str, lang: str, **kw) -> str:
    s = W[key][0 if lang == "zh" else 1]
    return s.format(**kw) if kw else s


def _label(policy: Policy, fact: str, lang: str) -> str:
    spec = policy.vocabulary.spec(fact)
    return spec.label.get(lang, spec.label["en"]) + fact[len(spec.name):]


def leaf_words(policy: Policy, lf: Leaf, lang: str) -> str:
    """``label: actual X; required ≥ Y [arithmetic]`` in the user's language."""
    name = ", ".join(_label(policy, f, lang) for f in lf.facts)
    s = (f"{name}: {w('actual', lang)} {say(actual_text(policy, lf), lang)}; "
         f"{w('required', lang)} {say(required_text(policy, lf), lang)}")
    return s + (f" [{say(lf.derivation, lang)}]" if lf.derivation else "")


@dataclass
class Block:
    """A clause in the proof: its mark, id, status, the leaf lines and the citation."""

    mark: str
    status: str
    clause: str
    title: str | None
    strength: str
    lines: list[str]
    quote: str
    cite: str
    note: str | None


def _block(policy: Policy, c: ClauseResult, lang: str) -> Block:
    cl = c.clause
    title = cl.title.get(lang) if cl.title else None
    if title and (title == cl.id or title.startswith(cl.cite.quote[:10])):
        title = None
    lines = [leaf_words(policy, lf, lang) for lf in c.all_leaves]
    return Block(MARK[c.status], c.status, cl.id, title, cl.strength, lines, cl.cite.quote.strip(),
                 f"{cl.cite.source} {cl.cite.section}", cl.note_in(lang))


def sections(policy: Policy, d: Decision, lang: str) -> list[tuple[str, list[tuple[str | None, list[Block]]]]]:
    """The proof as (heading, [(pathway title or None, blocks)])."""
    out = []
    for key, items in (("employer", d.employer), ("applicant", d.applicant)):
        if items:
            out.append((w(key, lang), [(None, [_block(policy, c, lang) for c in items])]))
    if d.pathways:
        out.append((w("pathways", lang), [(f"{MARK[p.status]} {p.pathway.title.get(lang, p.pathway.id)} — "
                                            f"{CLAUSE_STATUS[p.status if p.status in CLAUSE_STATUS else 'unknown'][0 if lang == 'zh' else 1]}",
                                            [_block(policy, c, lang) for c in p.clauses]) for p in d.pathways]))
    if d.exclusions:
        out.append((w("exclusions", lang), [(None, [_block(policy, c, lang) for c in d.exclusions])]))
    return out


def failed_lines(policy: Policy, d: Decision, lang: str) -> list[tuple[ClauseResult, list[str]]]:
    out = []
    for c in d.failed():
        leaves = [x for x in c.leaves if x.status is False] or c.leaves
        out.append((c, [leaf_words(policy, lf, lang) for lf in leaves]))
    return out


def fix_lines(policy: Policy, d: Decision, lang: str, missing: dict | None) -> tuple[list[str], list[str]]:
    """(the cheapest suggestion in words, the fixed facts that block every change), as ``wrp missing``
    words them (``missing``: jurisdiction id → its answer, as the facade's ``explain`` gives it)."""
    answer = (missing or {}).get(d.jurisdiction.id)
    if answer is None:
        return [], []
    if not answer.overall:
        return [], [b.text(lang) for b in answer.blocked_by]
    s = answer.overall[0]
    lines = [x.strip() for x in s.lines(lang)]
    if s.pathways:
        lines.append(f"{w('via', lang)} {', '.join(s.pathways)}")
    return lines, []


def _held_titles(d: Decision, lang: str) -> str:
    return ", ".join(p.pathway.title.get(lang, p.pathway.id) for p in d.pathways if p.status == "satisfied") or "—"


def _fails_cell(d: Decision) -> list:
    ids = list(dict.fromkeys(c.clause.id for c in d.failed()))
    if ids:
        return [el("div", ident(i)) for i in ids]
    return [el("div", "? ", ident(u)) for u in d.unknown[:4]] or ["—"]


def _fails_short(d: Decision) -> str:
    ids = list(dict.fromkeys(c.clause.id for c in d.failed()))
    return ", ".join(ids) or ("? " + ", ".join(d.unknown[:4]) if d.unknown else "—")


# --- Markdown ------------------------------------------------------------------------------------------


def to_markdown(policy: Policy, decisions: list[Decision], lang: str = "en", profile: str = "",
                missing: dict | None = None) -> str:
    """The caseworker's page as Markdown (GitHub / CommonMark); every value escaped."""
    m = md_text
    out = [f"# {w('title', lang)}", ""]
    if profile:
        out.append(f"{w('profile', lang)}: {m(profile)}  ")
    out += [f"{w('date', lang)}: {decisions[0].date}", "", f"## {w('summary', lang)}", "",
            f"| {w('jurisdiction', lang)} | {w('status', lang)} | {w('pathways_held', lang)} | {w('fails', lang)} |",
            "|---|---|---|---|"]
    for d in decisions:
        j = d.jurisdiction
        out.append(f"| {m(j.name.get(lang, j.id))} ({m(j.id)}) | **{m(status_text(d.status, lang))}** | "
                   f"{m(_held_titles(d, lang))} | {m(_fails_short(d))} |")
    for d in decisions:
        j = d.jurisdiction
        out += ["", f"## {m(j.name.get(lang, j.id))}: {m(status_text(d.status, lang))}", "",
                f"{w('rules', lang)}: {m(j.document)}" + (f" ({j.in_force_from})" if j.in_force_from else "") + "  ",
                f"{w('wage', lang)}: {d.facts.wage.year} — {d.facts.wage.monthly:,} {'元/月' if lang == 'zh' else 'CNY/month'}; {m(say(d.facts.wage.note, lang))}"]
        fails = failed_lines(policy, d, lang)
        if fails:
            out += ["", f"### {w('failed', lang)}", ""]
            for c, lines in fails:
                tag = f" ({w('in_principle', lang)})" if c.clause.strength == "in_principle" else ""
                out.append(f"- **{m(c.clause.id)}**{tag}: " + "; ".join(m(x) for x in lines))
                out.append(f"  > “{m(c.clause.cite.quote.strip())}” — {m(c.clause.cite.source)} {m(c.clause.cite.section)}")
        fix, blocked = fix_lines(policy, d, lang, missing)
        if fix or blocked:
            out += ["", f"### {w('fix', lang)}", ""]
            if blocked:
                out.append(w("no_fix", lang))
                out += [f"- {m(b)}" for b in blocked]
            out += [f"- {m(x)}" for x in fix]
        out += ["", f"### {w('proof', lang)}"]
        for head, groups in sections(policy, d, lang):
            out += ["", f"#### {m(head)}", ""]
            for title, blocks in groups:
                if title:
                    out.append(f"- **{m(title)}**")
                ind = "  " if title else ""
                for b in blocks:
                    status = CLAUSE_STATUS[b.status][0 if lang == "zh" else 1]
                    tag = f" ({w('in_principle', lang)})" if b.strength == "in_principle" else ""
                    out.append(f"{ind}- {b.mark} **{m(b.clause)}** {m(status)}{tag}" + (f" — {m(b.title)}" if b.title else ""))
                    out += [f"{ind}  - {m(x)}" for x in b.lines]
                    out.append(f"{ind}  > “{m(b.quote)}” — {m(b.cite)}")
                    if b.note:
                        out.append(f"{ind}  - *{w('note', lang)}: {m(' '.join(b.note.split()))}*")
        tail = []
        if d.unknown:
            tail.append(f"- {w('unknown', lang)}: " + ", ".join(m(u) for u in d.unknown))
        if d.waivable():
            tail.append(f"- {w('waivable', lang)}: " + ", ".join(m(c.clause.id) for c in d.waivable()))
        tail += [f"- {w('warnings', lang)}: {m(say(x, lang))}" for x in d.warnings]
        if tail:
            out += ["", *tail]
    return "\n".join(out) + "\n"


# --- HTML -------------------------------------------------------------------------------------------------


def _quote(quote: str, cite: str):
    return [el("blockquote", {"class": "quote", "lang": "zh-CN"}, f"“{quote}”"), el("cite", cite)]


def to_html(policy: Policy, decisions: list[Decision], lang: str = "en", profile: str = "",
            missing: dict | None = None) -> str:
    """The caseworker's page as one standalone HTML document (the report's stylesheet, no script)."""
    body: list = [el("header", {"class": "report"}, el("h1", w("title", lang)),
                     el("div", {"class": "meta"}, el("span", f"{w('profile', lang)}: ", el("code", profile)) if profile
                        else None, el("span", f"{w('date', lang)}: {decisions[0].date}")))]
    head = el("tr", el("th", w("jurisdiction", lang)), [el("th", f"{d.jurisdiction.name.get(lang, d.jurisdiction.id)}")
                                                 for d in decisions])
    rows = [el("tr", el("th", w("status", lang)), [el("td", {"class": f"status-{d.status}", "data-jurisdiction":
                                                              d.jurisdiction.id}, status_text(d.status, lang))
                                                   for d in decisions]),
            el("tr", el("th", w("pathways_held", lang)), [el("td", _held_titles(d, lang)) for d in decisions]),
            el("tr", el("th", w("fails", lang)), [el("td", _fails_cell(d)) for d in decisions])]
    body += [el("h2", w("summary", lang)), el("table", {"class": "verdicts"}, el("thead", head), el("tbody", rows))]
    for d in decisions:
        j = d.jurisdiction
        sec: list = [el("h2", f"{j.name.get(lang, j.id)}: ", el("span", {"class": f"status-{d.status}"},
                                                                 status_text(d.status, lang))),
                     el("p", {"class": "small muted"}, f"{w('rules', lang)}: {j.document}",
                        f" ({j.in_force_from})" if j.in_force_from else "", el("br"),
                        f"{w('wage', lang)}: {d.facts.wage.year} — {d.facts.wage.monthly:,} {'元/月' if lang == 'zh' else 'CNY/month'}; "
                        f"{say(d.facts.wage.note, lang)}")]
        fails = failed_lines(policy, d, lang)
        if fails:
            sec += [el("h3", w("failed", lang)), el("ul", {"class": "failed"}, [el("li", el("strong", ident(c.clause.id)), " ",
                                                              el("span", {"class": "badge principle"},
                                                                 w("in_principle", lang))
                                                              if c.clause.strength == "in_principle" else None,
                                                              el("div", "; ".join(lines)),
                                                              _quote(c.clause.cite.quote.strip(),
                                                                     f"{c.clause.cite.source} {c.clause.cite.section}"))
                                                       for c, lines in fails])]
        fix, blocked = fix_lines(policy, d, lang, missing)
        if fix or blocked:
            sec.append(el("h3", w("fix", lang)))
            if blocked:
                sec += [el("p", w("no_fix", lang)), el("ul", [el("li", b) for b in blocked])]
            if fix:
                sec.append(el("ul", {"class": "fix"}, [el("li", x) for x in fix]))
        sec.append(el("h3", w("proof", lang)))
        for head_, groups in sections(policy, d, lang):
            items = []
            for title, blocks in groups:
                lis = [el("li", {"class": f"clause {b.status}"}, el("span", {"class": f"mark {b.status}"}, b.mark), " ",
                          ident(b.clause), " ",
                          CLAUSE_STATUS[b.status][0 if lang == "zh" else 1], " ",
                          el("span", {"class": "badge principle"}, w("in_principle", lang))
                          if b.strength == "in_principle" else None,
                          el("div", {"class": "small"}, b.title) if b.title else None,
                          el("ul", {"class": "tight"}, [el("li", x) for x in b.lines]),
                          _quote(b.quote, b.cite),
                          el("div", {"class": "small muted"}, f"{w('note', lang)}: {' '.join(b.note.split())}")
                          if b.note else None) for b in blocks]
                items.append(el("li", el("strong", title), el("ul", {"class": "proof"}, lis)) if title else lis)
            sec += [el("h4", head_), el("ul", {"class": "proof"}, items)]
        tail = []
        if d.unknown:
            tail.append(el("li", f"{w('unknown', lang)}: ", el("span", {"class": "id"}, ", ".join(d.unknown))))
        if d.waivable():
            tail.append(el("li", f"{w('waivable', lang)}: ", ", ".join(c.clause.id for c in d.waivable())))
        tail += [el("li", f"{w('warnings', lang)}: {say(x, lang)}") for x in d.warnings]
        if tail:
            sec.append(el("ul", {"class": "notes small"}, tail))
        body.append(el("section", {"class": "decision", "data-jurisdiction": j.id}, sec))
    return page(w("title", lang), body, lang)


# --- the flat row ------------------------------------------------------------------------------------------

CSV_COLUMNS = ("profile", "id", "name", "district", "status", "failed", "unknown", "error", "warnings")


def flat_row(profile: str, d: Decision) -> dict:
    """The row `wrp batch` writes for one profile and jurisdiction (and `wrp check --format csv`)."""
    return {"profile": profile, "district": d.jurisdiction.id, "status": d.status, "date": d.date.isoformat(),
            "failed": list(dict.fromkeys(c.clause.id for c in d.failed())),
            "waivable": [c.clause.id for c in d.waivable()], "unknown": list(d.unknown), "error": None,
            # e.g. "no district rules are encoded for `haidian`; using the city-wide rule": in every format
            "warnings": [str(w) for w in d.warnings],
            "warnings_zh": [getattr(w, "zh", None) or str(w) for w in d.warnings]}


def to_csv(rows: list[dict]) -> str:
    """Rows as CSV with the batch columns (lists joined by spaces)."""
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(CSV_COLUMNS)
    for r in rows:
        wr.writerow([csv_cell(x) for x in (r["profile"], r.get("id", ""), r.get("name", ""), r["district"] or "",
                                           r["status"], " ".join(r["failed"]), " ".join(r["unknown"]), r["error"] or "",
                                           " | ".join(r.get("warnings", [])))])
    return buf.getvalue()


def csv_cell(v: object) -> str:
    """A cell a spreadsheet will not run: a leading = + - @ (a formula) gets a ' in front; control
    characters are shown, not emitted."""
    s = inert_text(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


__all__ = ["to_markdown", "to_html", "flat_row", "to_csv", "csv_cell", "CSV_COLUMNS", "leaf_words"]
