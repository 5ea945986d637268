"""Source-document checks: document numbers ``X发〔YYYY〕N号`` scanned from the bundled texts and
compared across files and with the dates printed around them (signature date, publication date,
date in force, the date in the URL next to the citation). Text only: no solver is involved.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass
class SourceProblem:
    kind: str  # number_mismatch | date_mismatch | url_date_mismatch
    document: str  # e.g. 京政办发 29号
    message: dict
    evidence: list[dict]  # {source, line, text}

    def as_dict(self) -> dict:
        return {"kind": self.kind, "document": self.document, "message": self.message, "evidence": self.evidence}


_OPEN, _CLOSE = "〔\\[［【(（„﹝", "〕\\]］】)）‟﹞"
DOC_NO = re.compile(rf"(?P<prefix>[\u4e00-\u9fff]{{1,6}}?[发通函字令])[{_OPEN}](?P<year>\d{{4}})[{_CLOSE}]"
                    rf"(?P<num>\d+)号")
URL_DATE = re.compile(r"/(?P<ym>(?:19|20)\d{2}(?:0[1-9]|1[0-2]))/t(?P<ymd>\d{8})_")
ISO_CN_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "0": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
CN_DATE = re.compile(r"(?P<y>[〇○零0O一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,3})月(?P<d>[一二三四五六七八九十]{1,3})日")
IN_FORCE = re.compile(r"(?:自|实施日期[：:]\s*)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")


def _cn_number(s: str) -> int:
    if "十" in s:
        a, _, b = s.partition("十")
        return (CN_DIGITS[a] if a else 1) * 10 + (CN_DIGITS[b] if b else 0)
    return CN_DIGITS[s]


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _snippet(text: str, pos: int, end: int) -> str:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", end)
    return text[a:b if b != -1 else len(text)].strip()[:160]


@dataclass
class DocRef:
    source: str
    line: int
    prefix: str
    year: int
    num: int
    text: str
    pos: int
    end: int


def scan_refs(sources: dict[str, str]) -> list[DocRef]:
    out = []
    for name, text in sorted(sources.items()):
        flat = text  # line breaks inside a number are rejoined below
        for m in DOC_NO.finditer(flat):
            out.append(DocRef(name, _line_of(flat, m.start()), m["prefix"][-4:], int(m["year"]), int(m["num"]),
                              _snippet(flat, m.start(), m.end()), m.start(), m.end()))
        joined = re.sub(r"\s*\n\s*", "", text)  # numbers broken over two lines: 京政办发\n〔2003〕29号
        for m in DOC_NO.finditer(joined):
            if not any(r.source == name and r.prefix == m["prefix"][-4:] and r.year == int(m["year"])
                       and r.num == int(m["num"]) for r in out):
                out.append(DocRef(name, 0, m["prefix"][-4:], int(m["year"]), int(m["num"]),
                                  joined[max(0, m.start() - 40):m.end()], -1, -1))
    return out


def source_problems(sources: dict[str, str]) -> list[SourceProblem]:
    """Inconsistent citations and dates in the source texts, found by scanning them."""
    refs = scan_refs(sources)
    out: list[SourceProblem] = []
    groups: dict[tuple[str, int], list[DocRef]] = {}
    for r in refs:
        groups.setdefault((_issuer_key(r.prefix), r.num), []).append(r)
    for (prefix, num), rs in sorted(groups.items()):
        years = sorted({r.year for r in rs})
        if len(years) > 1:
            ev = _evidence(rs)
            by_year = {y: sorted({r.source for r in rs if r.year == y}) for y in years}
            desc = "; ".join(f"〔{y}〕 in {', '.join(s)}" for y, s in by_year.items())
            desc_zh = "；".join(f"{'、'.join(s)} 作〔{y}〕" for y, s in by_year.items())
            out.append(SourceProblem("number_mismatch", f"{prefix}〔?〕{num}号", {
                "zh": f"同一文件号被引用为不同年份：{desc_zh}",
                "en": f"the same document is cited with different years: {desc}"}, ev))
    for name, text in sorted(sources.items()):
        out += _dates_in(name, text, [r for r in refs if r.source == name and r.pos >= 0])
    return out


def _issuer_key(prefix: str) -> str:
    # 市政府办公厅转发…（京政办发…）: compare by the last characters, the issuer code proper
    return prefix[-4:] if len(prefix) >= 4 else prefix


def _evidence(rs: list[DocRef]) -> list[dict]:
    seen, ev = set(), []
    for r in rs:
        key = (r.source, r.year)
        if key in seen:
            continue
        seen.add(key)
        ev.append({"source": r.source, "line": r.line, "text": r.text})
    return ev


def _dates_in(name: str, text: str, refs: list[DocRef]) -> list[SourceProblem]:
    """Per cited document: the date in the URL printed after it, and the signature / in-force dates of
    the text printed under it, against the year of its number."""
    out: list[SourceProblem] = []
    seen: set[tuple] = set()
    for i, r in enumerate(refs):
        nxt = refs[i + 1].pos if i + 1 < len(refs) else len(text)
        after = text[r.end:min(nxt, r.end + 200)]
        m = URL_DATE.search(after)
        if m and int(m["ym"][:4]) != r.year:
            key = ("url", r.prefix, r.num, r.year, m["ym"])
            if key not in seen:
                seen.add(key)
                out.append(SourceProblem("url_date_mismatch", f"{r.prefix}〔{r.year}〕{r.num}号", {
                    "zh": f"文号年份 {r.year} 与其链接中的日期 {m['ym'][:4]}-{m['ym'][4:]} 不符",
                    "en": f"the number says {r.year}, the URL printed with it is dated "
                          f"{m['ym'][:4]}-{m['ym'][4:]} ({m['ymd']})"},
                    [{"source": name, "line": _line_of(text, r.pos), "text": r.text},
                     {"source": name, "line": _line_of(text, r.end + m.start()), "text": m.group(0)}]))
        # A document printed in full: its number on a line of its own, then the text.
        line = _snippet(text, r.pos, r.end)
        if len(line) > 20:
            continue
        body = text[r.end:min(nxt, r.end + 6000)]
        signed = CN_DATE.search(body)
        forced = list(IN_FORCE.finditer(body))
        published = re.search(r"发布日期[：:]\s*(\d{4})年(\d{1,2})月(\d{1,2})日", body)
        if not signed:
            continue
        sd = dt.date(int("".join(str(CN_DIGITS[c]) for c in signed["y"])), _cn_number(signed["m"]),
                     _cn_number(signed["d"]))
        ev = [{"source": name, "line": _line_of(text, r.pos), "text": line},
              {"source": name, "line": _line_of(text, r.end + signed.start()), "text": signed.group(0)}]
        problems = []
        if sd.year != r.year:
            problems.append((f"number year {r.year} vs signed {sd}", f"文号年份 {r.year}，落款 {sd}"))
        for f in forced:
            fd = dt.date(int(f["y"]), int(f["m"]), int(f["d"]))
            if fd < sd or (fd - sd).days > 366:
                if (f"in force {fd} vs signed {sd}", f"施行 {fd}，落款 {sd}") not in problems:  # said once
                    problems.append((f"in force {fd} vs signed {sd}", f"施行 {fd}，落款 {sd}"))
                ev.append({"source": name, "line": _line_of(text, r.end + f.start()),
                           "text": _snippet(body, f.start(), f.end())})
        if published:
            pd = dt.date(*(int(x) for x in published.groups()))
            if pd.year != sd.year:
                problems.append((f"published {pd} vs signed {sd}", f"发布 {pd}，落款 {sd}"))
        key = ("dates", r.prefix, r.num, tuple(problems))
        if problems and key not in seen:
            seen.add(key)
            out.append(SourceProblem("date_mismatch", f"{r.prefix}〔{r.year}〕{r.num}号", {
                "zh": f"文中日期互相矛盾：{'；'.join(zh for _, zh in problems)}（落款 {signed.group(0)}）",
                "en": f"the dates printed with the text contradict each other: {'; '.join(en for en, _ in problems)} "
                      f"(signed {signed.group(0)})"}, _dedupe(ev)))
    return out


def _dedupe(ev: list[dict]) -> list[dict]:
    seen, out = set(), []
    for e in ev:
        k = (e["source"], e["line"])
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out


