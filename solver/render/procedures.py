"""The procedures in words: deadline timelines, checklists of materials, procedural conflicts (text
for people, in Chinese or English; JSON is each result's ``as_dict``)."""

from __future__ import annotations

from policy.i18n import say
from policy.procedures import BUSINESSES, EVENTS

# the events of a timeline, in the order a plan lists those of one day
KINDS = {
    "earliest": {"zh": "最早申请日", "en": "earliest filing day"},
    "deadline": {"zh": "规定的最后申请日", "en": "last filing day the rules state"},
    "last_safe": {"zh": "最晚安全申请日（预留审核时间）", "en": "last safe filing day (review time left)"},
    "lapse": {"zh": "证件失效日", "en": "permit lapses on"},
    "suspended": {"zh": "证件挂起（最迟）", "en": "permit suspended (挂起) at the latest on"},
    "delink_by": {"zh": "原单位解除关联截止日", "en": "former employer must de-link by"},
    "cancel_by": {"zh": "原单位申请注销截止日", "en": "former employer must apply for cancellation by"},
    "late_until": {"zh": "逾期补办截止日", "en": "late filing still possible until"},
    "extended_to": {"zh": "自动延续至（最长）", "en": "validity extends automatically to (at most)"},
    "promptly": {"zh": "应及时办理（无具体期限）", "en": "to be done promptly (no fixed period)"},
}
TIMELINE = ("renewal", "employer_change", "info_change")  # the businesses a timeline shows, in this order


def describe_rule(c, lang: str = "en") -> str:
    """One line for a non-condition clause: "filed by employer", "within 60 days before expiry" …"""
    zh = lang == "zh"
    r = c.rule
    match c.kind:
        case "filer":
            return f"申请主体：{FILERS_ZH[r]}" if zh else f"filed by: {r.replace('_', ' ')}"
        case "validity":
            return f"有效期 {r.text('zh')}" if zh else f"valid for {r.text()}"
        case "review":
            return f"审核时限 {r.text('zh')}" if zh else f"review takes {r.text()}"
        case "window":
            ev = EVENTS[r.event]["zh" if zh else "en"]
            return (f"{ev}{'前' if r.side == 'before' else '后'}{r.within.text('zh')}内申请" if zh
                    else f"file within {r.within.text()} {r.side} {ev}")
        case "deadline":
            ev = EVENTS[r.event]["zh" if zh else "en"]
            if r.within is None and r.at_least is None:
                return f"{ev}后应及时办理" if zh else f"{r.action} promptly after {ev}"
            d = r.within or r.at_least
            if r.side == "after":
                return f"{ev}之日起{d.text('zh')}内" if zh else f"{r.action} within {d.text()} after {ev}"
            if not d.n:  # "at least 0 days before": on or before the day itself
                return f"{ev}前（含当日）办理" if zh else f"{r.action} on or before {ev}"
            return f"至少在{ev}前{d.text('zh')}" if zh else f"{r.action} at least {d.text()} before {ev}"
        case "lapse":
            ev = EVENTS[r.event]["zh" if zh else "en"]
            g = f" + {r.grace.text()}" if r.grace else ""
            return (f"{ev}{'后' + r.grace.text('zh') if r.grace else ''}未{'核准' if r.unless == 'approved' else '申报'}即失效"
                    if zh else f"lapses after {ev}{g} unless {r.unless}")
        case "suspend":
            return "解除关联后证件挂起" if zh else "suspended (挂起) on de-linking"
        case "auto_extend":
            return (f"自动延续，最长{r.max.text('zh')}" if zh
                    else f"extends automatically, at most {r.max.text()}, bounded by the labour contract")
        case "abolished":
            return "已取消" if zh else "abolished"
        case "period":
            return (f"每年{r.start[0]}月{r.start[1]}日至{r.end[0]}月{r.end[1]}日" if zh
                    else f"every year from {r.start[0]:02d}-{r.start[1]:02d} to {r.end[0]:02d}-{r.end[1]:02d}")
        case "allowed":
            return ("允许" if r else "不允许") if zh else ("allowed" if r else "not allowed")
    return c.kind


FILERS_ZH = {"applicant": "申请人", "employer": "用人单位", "old_employer": "原单位", "new_employer": "新单位"}


COLUMNS = ("earliest", "last_safe", "deadline", "lapse", "suspended")
HEAD = {"en": {"earliest": "earliest", "last_safe": "last safe", "deadline": "rule deadline", "lapse": "lapses on",
               "suspended": "suspended", "jurisdiction": "jurisdiction"},
        "zh": {"earliest": "最早申请", "last_safe": "最晚安全申请", "deadline": "规定截止", "lapse": "失效日",
               "suspended": "挂起", "jurisdiction": "辖区"}}


def timeline_text(t, lang: str = "en") -> str:
    """Plain text: one table per business, then the events with their citations (quotes in Chinese)."""
    lang = "zh" if lang == "zh" else "en"
    h = HEAD[lang]
    out: list[str] = []
    if lang == "zh":
        out.append(f"有效期截止日 {t.expiry or '—'}；离职日 {t.left_employer or '—'}")
    else:
        out.append(f"expiry {t.expiry or '—'}; left employer {t.left_employer or '—'}")
    for b in TIMELINE:
        rows = [(j, ps[b]) for j, ps in t.plans.items() if b in ps]
        if not rows:
            continue
        out.append("")
        out.append(f"== {BUSINESSES[b][lang]} ==")
        out.append((_pad(h["jurisdiction"], 13) + "".join(_pad(h[c], 14) for c in COLUMNS)).rstrip())
        for j, p in rows:
            out.append((_pad(j, 13) + "".join(_pad(str(p.get(c) or "—"), 14) for c in COLUMNS)).rstrip())
        for j, p in rows:
            out.append(f"  {j}:")
            for e in p.events:
                date = e.date.isoformat() if e.date else "—"
                note = ("（{}）" if lang == "zh" else " ({})").format(say(e.note, lang)) if e.note else ""
                out.append(f"    {date}  {KINDS[e.kind][lang]}{note}")
                for c in e.clauses:
                    out.append(f"        [{c.id}] {c.cite.source} {c.cite.section}：“{c.cite.quote}”"
                               + (" (原则上)" if c.strength == "in_principle" else ""))
            for n in p.notes:
                out.append(("    注：" if lang == "zh" else "    note: ") + say(n, lang))
    for w in t.warnings:
        out.append(("警告: " if lang == "zh" else "warning: ") + say(w, lang))
    return "\n".join(out)


def _pad(text: str, width: int) -> str:
    """Left-align in terminal cells (a Chinese character takes two), at least one space after."""
    from rich.cells import cell_len
    return text + " " * max(1, width - cell_len(text))




MARK = {("needed", None): "[ ]", ("needed", "ok"): "[✓]", ("needed", "fails"): "[✗]", ("needed", "unknown"): "[?]",
        ("maybe", None): "[~]", ("maybe", "ok"): "[~]", ("maybe", "fails"): "[✗]", ("maybe", "unknown"): "[~]"}
CHECK = {"held": "[✓]", "failed": "[✗]", "unknown": "[?]", "not_applicable": "[-]"}


def checklist_text(c, lang: str = "en") -> str:
    lang = "zh" if lang == "zh" else "en"
    pw = ", ".join(c.pathways) or "—"
    source_zh = {"eligibility": "由资格判断得出", "unknown": "尚未确定", "none": "无", "given": "指定"}
    head = (f"{c.jurisdiction} · {BUSINESSES[c.business]['zh']} · 办理日 {c.date} · 条件 {pw}"
            f"（{source_zh.get(c.pathway_source, c.pathway_source)}）"
            if lang == "zh" else
            f"{c.jurisdiction} · {BUSINESSES[c.business]['en']} · filing day {c.date} · pathway {pw} ({c.pathway_source})")
    out = [head]
    for i in c.items:
        if i.status == "not_needed":
            continue
        m = i.material
        tag = {"fails": "  FAILS", "unknown": "  CHECK", "ok": ""}.get(i.check or "", "")
        maybe = "  (if applicable)" if i.status == "maybe" and lang == "en" else "（如适用）" if i.status == "maybe" else ""
        out.append(f"{MARK[(i.status, i.check)]} {m.item[lang]}{maybe}{tag}")
        out.append(f"      [{m.id}] {m.cite.source} {m.cite.section}：“{m.cite.quote}”")
        for d in i.detail:
            out.append(f"      - {say(d, lang)}")
    if c.rules:
        out.append("办理规则：" if lang == "zh" else "procedure:")
        for r in c.rules:
            out.append(f"  - {describe_rule(r, lang)}  [{r.id}] {r.cite.section}：“{r.cite.quote}”")
    rules = [k for k in c.checks if k.status != "not_applicable"]
    if rules:
        out.append("规则检查：" if lang == "zh" else "checks:")
        for k in rules:
            waive = " (原则上)" if k.clause.strength == "in_principle" else ""
            out.append(f"{CHECK[k.status]} [{k.clause.id}] {k.clause.cite.section}：“{k.clause.cite.quote}”{waive}")
            for d in k.detail:
                out.append(f"      - {say(d, lang)}")
    not_needed = [i.material.id for i in c.items if i.status == "not_needed"]
    if not_needed:
        out.append(("不需要：" if lang == "zh" else "not needed for this profile: ") + ", ".join(not_needed))
    for w in c.warnings:
        out.append(("警告: " if lang == "zh" else "warning: ") + say(w, lang))
    return "\n".join(out)


def procedural_conflicts_text(conflicts: list, lang: str = "en") -> str:
    out = []
    for c in conflicts:
        unsearched = getattr(c, "status", "found") == "not_searched"
        out.append(f"[{c.kind}] {c.topic} · {BUSINESSES[c.business]['zh' if lang == 'zh' else 'en']} · {c.a} vs {c.b}"
                   + (" (原则上)" if c.waivable else "")
                   + ((" — 未搜索（不代表没有冲突）" if lang == "zh" else " — NOT SEARCHED (not a finding of no conflict)")
                      if unsearched else ""))
        out.append(f"    {c.explanation_zh if lang == 'zh' and getattr(c, 'explanation_zh', '') else say(c.explanation, lang)}")
        for j, es in ((c.a, c.entries_a), (c.b, c.entries_b)):
            for e in es:
                out.append(f"    {j}: [{e.id}] {e.cite.source} {e.cite.section}：“{e.cite.quote}”")
    return "\n".join(out)
