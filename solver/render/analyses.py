"""The analyses in words: ``missing``, ``conflicts``, ``verify`` and ``compare`` results as text for
people, in Chinese or English (JSON is each result's ``as_dict``). Values come in both languages
from the message catalog (``policy.i18n``); nothing here decides anything."""

from __future__ import annotations

from fractions import Fraction

from policy.expr import fmt_num
from policy.i18n import Msg, say, status_text
from solver.render.markup import md_text as md

BIRTH = "applicant.birth_date"
UNKNOWN_MSG = Msg("unknown (budget exhausted)", "未知（求解预算耗尽）")
VERDICT_ZH = {"a ⊆ b": "a ⊆ b（a 更严或相同）", "b ⊆ a": "b ⊆ a（b 更严或相同）", "equivalent": "等价",
              "incomparable": "互不包含", "unknown (budget exhausted)": "未知（求解预算耗尽）"}
RELATION_ZH = {"different": "不同", "absent": "未规定", "unknown (budget exhausted)": "未知（求解预算耗尽）"}


def fact_change_text(c, lang: str = "en") -> str:
    lab = c.label.get(lang, c.label["en"])
    unit = f" {c.unit.get(lang, c.unit['en'])}" if c.unit else ""
    before, after = say(c.before_text, lang), say(c.after_text, lang)
    threshold = say(c.threshold, lang) if c.threshold else None
    if c.kind == "assumed":
        return f"{lab} = {after}{unit} ({'假设' if lang == 'zh' else 'assumed: not in the profile'})"
    s = f"{lab} {before} → {after}" + (unit if c.kind == "time" else "")
    if c.before is not None and c.kind != "time" and isinstance(c.before, Fraction) and \
            c.unit is not None:
        d = c.after - c.before
        s += f" ({'+' if d >= 0 else '−'}{fmt_num(abs(d))}{unit}"
        s += f", {threshold})" if threshold else ")"
    elif threshold:
        s += f" ({threshold})"
    return s


def suggestion_lines(s, lang: str = "en") -> list[str]:
    out = []
    if s.wait_months:
        w = s.wait_months
        if lang == "zh":
            out.append(f"等待 {w} 个月：{s.eligible_on} 起（其他条件不变）")
        else:
            out.append(f"wait {w} month{'s' if w != 1 else ''}: reached on {s.eligible_on} "
                       "if nothing else changes")
    out += [("  " if c.kind == "time" else "") + fact_change_text(c, lang) for c in s.changes]
    out += [fact_change_text(c, lang) for c in s.assumed]
    return out


def blocker_text(b, lang: str = "en") -> str:
    return f"{b.label.get(lang, b.label['en'])} = {say(b.value, lang)}"


def missing_text(r, lang: str = "en") -> str:
    zh = lang == "zh"
    name = r.name.get(lang, r.name["en"])
    head = f"{name} ({r.jurisdiction}), {r.date}: {status_text(r.status, lang)}"
    out = [head]
    if r.status == "eligible":
        out.append("  已符合条件，无需改变。" if zh else "  already eligible: nothing is missing.")
        out += [f"  ! {say(w, lang)}" for w in r.warnings]  # e.g. the city-wide rule used for this district
        return "\n".join(out)
    if r.note:
        out.append(f"  {say(r.note, lang)}")
    if not r.overall:
        if r.blocked_by:
            out.append("  无法通过允许的改变达到条件；阻碍的固定事实：" if zh else
                       "  no allowed change makes the applicant eligible; blocked by the fixed facts:")
            out += [f"    - {blocker_text(b, lang)}" for b in r.blocked_by]
            if any(b.fact == BIRTH for b in r.blocked_by):
                out.append("    (等待无效：先到法定退休年龄)" if zh else
                           "    (never by waiting: the statutory retirement age comes first)")
    for i, s in enumerate(r.overall, 1):
        label = "最省" if zh and i == 1 else ("方案" if zh else ("cheapest" if i == 1 else "alternative"))
        via = ", ".join(s.pathways)
        n = len(s.assumed)
        assumes = "" if not n else (f", 假设 {n} 项未知事实" if zh else f", assumes {n} unknown fact{'s' * (n > 1)}")
        out.append(f"  {i}. {label} — {fmt_num(s.cost)} 分{assumes}（经 {via}）" if zh else
                   f"  {i}. {label} — {fmt_num(s.cost)} points{assumes} (via {via})")
        out += [f"     {x}" for x in suggestion_lines(s, lang)]
    out.append("  按条件（路径）：" if zh else "  per pathway:")
    for p in r.pathways:
        t = p.title.get(lang, p.title["en"])
        if p.suggestion:
            first = "; ".join(suggestion_lines(p.suggestion, lang)) or ("—" if p.status == "satisfied" else "")
            out.append(f"    {t}: {fmt_num(p.suggestion.cost)} — {first}")
        elif p.status == "satisfied":
            out.append(f"    {t}: {'已满足' if zh else 'satisfied'}")
        else:
            shown = {"blocked": Msg("blocked", "受阻"), UNKNOWN_MSG: UNKNOWN_MSG}.get(p.status, p.status)
            why = ", ".join(blocker_text(b, lang) for b in p.blocked_by) or say(shown, lang)
            out.append(f"    {t}: {'不可达' if zh else 'not reachable'} ({why})")
    out += [f"  ! {say(w, lang)}" for w in r.warnings]
    return "\n".join(out)


def witness_diff(w, lang: str = "en") -> str:
    """How the witness differs from the reference applicant, fact by fact (labels, values)."""
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{w.label(f, lang)} {say(ref, lang)} → {say(new, lang)}"
                    for f, ref, new in w.differences)


def witness_lines(w, lang: str = "en") -> list[str]:
    zh = lang == "zh"
    diff = witness_diff(w, lang) or (
        "参照申请人本身" if zh else "the reference applicant itself")
    out = [("申请人：" if zh else "applicant: ") + diff]
    out += [("  被拒：" if zh else "  rejected by ") + c.text() for c in w.rejecting]
    return out


def conflicts_text(res, lang: str = "en") -> str:
    zh = lang == "zh"
    out = [f"{'冲突分析' if zh else 'conflicts'} {', '.join(res.jurisdictions)} ({res.date})"]
    out.append("一、跨辖区" if zh else "1. between jurisdictions")
    for p in res.pairs:
        out.append(f"  {p.a} vs {p.b}: {VERDICT_ZH.get(p.verdict, p.verdict) if zh else p.verdict}")
        for d in p.differences:
            lab = d.label.get(lang, d.label["en"]) if d.label else d.topic
            head = f"    [{d.topic}] {lab}: " + (
                f"{'在' if zh else 'eligible in '}{p.a}{'符合，' if zh else ', not in '}{p.b}{'不符合' if zh else ''}")
            out.append(head if d.witness else f"    [{d.topic}] {d.status}")
            if d.witness:
                out += [f"      {x}" for x in witness_lines(d.witness, lang)]
    out.append("二、辖区内部" if zh else "2. inside each jurisdiction")
    if not res.findings:
        out.append("  （无）" if zh else "  (none)")
    for f in res.findings:
        out.append(f"  {f.jurisdiction} {f.kind} {f.subject}: {f.message.get(lang, f.message['en'])}")
        out += [f"    - {c.text()}" for c in f.clauses]
    out.append("三、来源文件" if zh else "3. sources")
    if not res.sources:
        out.append("  （无）" if zh else "  (none)")
    for s in res.sources:
        out.append(f"  {s.kind} {s.document}: {s.message.get(lang, s.message['en'])}")
        out += [f"    - {e['source']}:{e['line']}: {e['text']}" for e in s.evidence]
    out += [f"  ! {say(n, lang)}" for n in res.notes]
    return "\n".join(out)


def verify_text(res, lang: str = "en") -> str:
    zh = lang == "zh"
    words = {"holds": "成立" if zh else "holds", "fails": "不成立" if zh else "FAILS",
             "skipped": "跳过" if zh else "skipped"}
    head = ("全部成立" if res.ok else "有性质不成立") if zh else ("all hold" if res.ok else "FAILED")
    out = [f"verify ({res.date}): {head}"]
    for r in res.results:
        where = f" [{r.jurisdiction}]" if r.jurisdiction else ""
        out.append(f"  {words.get(r.status, r.status)}: {r.property.id}{where}"
                   + (f" — {say(r.message, lang)}" if r.message else ""))
        for c in r.clauses:
            out.append(f"      - {c.text()}")
        for i, ce in enumerate(r.counterexample):
            summary = ce.get("summary_zh", ce.get("summary", "")) if zh else ce.get("summary", "")
            out.append(f"      {'反例' if zh else 'counterexample'} {i + 1}: {summary}")
    return "\n".join(out)


def compare_markdown(cmp, lang: str = "en") -> str:
    zh = lang == "zh"
    out = [f"# {'对比' if zh else 'Comparison'}: {', '.join(cmp.jurisdictions)} ({cmp.date})", ""]
    out.append("| " + ("主题" if zh else "topic") + " | " + " | ".join(cmp.jurisdictions) + " |")
    out.append("|---" * (len(cmp.jurisdictions) + 1) + "|")
    for r in cmp.rows:
        mark = "**≠** " if r.differs else ""
        cells = []
        for c in r.cells:
            if not c.clauses:
                cells.append("—")
                continue
            rel = "" if c.relation in ("reference", "same") else f"**{c.relation}** "
            # policy text is made literal (md_text): the only markup in a cell is ours
            body = "<br>".join(f"{md(x.words[lang])}{' (原则上)' if x.strength == 'in_principle' else ''}"
                               f"<br>“{md(x.quote)}” ({md(x.source)} {md(x.section)})" for x in c.clauses)
            cells.append(rel + body)
        out.append(f"| {mark}{md(r.label.get(lang, r.topic))} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def compare_text(cmp, lang: str = "en") -> str:
    out = [f"{'对比' if lang == 'zh' else 'compare'} {', '.join(cmp.jurisdictions)} ({cmp.date})"]
    for r in cmp.rows:
        out.append(f"{'≠' if r.differs else '='} {r.topic} — {r.label.get(lang, r.topic)}")
        for c in r.cells:
            if not c.clauses:
                out.append(f"    {c.jurisdiction}: — ({'未规定' if lang == 'zh' else 'not regulated'})")
                continue
            if c.relation in ("reference", "same"):
                rel = ""
            elif lang == "zh":
                zh = {"stricter": "严于", "looser": "宽于"}
                rel = (f"［{zh[c.relation]} {c.relative_to}］" if c.relation in zh
                       else f"［{RELATION_ZH.get(c.relation, c.relation)}］")
            else:
                rel = (f" [{c.relation} than {c.relative_to}]" if c.relation in ("stricter", "looser")
                       else f" [{c.relation}]")
            out.append(f"    {c.jurisdiction}{rel}:")
            for x in c.clauses:
                inp = " (原则上)" if x.strength == "in_principle" else ""
                out.append(f"      {x.words[lang]}{inp}")
                out.append(f"      “{x.quote}” [{x.source} {x.section}]")
    return "\n".join(out)
