"""Where a cited section is in its source text: ``cite.section`` (``第五条第（四）项``, ``二、（二）4``,
``五、（一）1.（1）①``, ``第一篇 新办工作居住证 二、10、（1）-（3）``, ``重要提示 2.``) read as a path of
headings, each looked up inside the span of the previous one.

The numbering styles of the sources, each a kind of heading:

========== ============================== ==========================================================
kind       written in a citation          found in the text
========== ============================== ==========================================================
part       第二篇 (or 第2篇)                ``第二篇`` at a line start (a text with 第二篇 but no 第一篇 has an
                                          implicit first part: from its start to 第二篇)
chapter    第三章                         ``第三章`` at a line start
article    第五条                         ``第五条`` at a line start
cn         二、 or 二                     ``二、`` (or ``二.``) at a line start
cn_paren   （二） or 第（二）项           ``（二）`` / ``(二)`` at a line start or after ；。：
num        4 or 4. or 4、                 ``4.`` / ``4、`` / ``4．`` at a line start or after ；。：
num_paren  （4）                          ``（4）`` / ``(4)`` (either bracket) at a line start or after ；。：
circled    ①                              ``①`` anywhere
letter     A                              ``A.`` at a line start
name       新办工作居住证, 注意事项, 表   the words themselves (after ``●`` a bullet, which ends at the next ``●``)
========== ============================== ==========================================================

A numbered heading's span runs to its next sibling (the same kind, the next number) or the end of
the enclosing span; a name's span runs from the words to the end of the enclosing span (a bullet:
to the next bullet). Two headings of one kind in a row are alternatives (``第（一）（二）项``,
``二、8、9``), ``（2）-（4）`` a range; the quote must be inside one of them. A heading found several
times in the enclosing span (a table of contents repeats them) gives several candidate spans.

``locate(text, section)`` returns the candidate spans (character offsets), or raises
``SectionError`` naming the heading that is not found. ``quote_in_section`` says whether a quote
(compared without whitespace) lies inside one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN = "〇零一二三四五六七八九十百"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_OPEN, _CLOSE = "（(", "）)"
# where a heading that may be written inside a line starts: a line start, or after a sentence ends
_LEAD = r"(?:^|(?<=[；;。：:●]))[ \t\u3000]*"


class SectionError(ValueError):
    pass


def cn_number(s: str) -> int:
    """二 → 2, 十二 → 12, 二十 → 20, 二十三 → 23."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits["〇"] = 0
    if "百" in s:
        a, _, rest = s.partition("百")
        return (digits[a] if a else 1) * 100 + (cn_number(rest.lstrip("零")) if rest.strip("零") else 0)
    if "十" in s:
        a, _, b = s.partition("十")
        return (digits[a] if a else 1) * 10 + (digits[b] if b else 0)
    n = 0
    for c in s:
        n = n * 10 + digits[c]
    return n


def _cn_words(n: int) -> str:
    d = "零一二三四五六七八九"
    if n < 10:
        return d[n]
    if n < 20:
        return "十" + (d[n - 10] if n % 10 else "")
    return d[n // 10] + "十" + (d[n % 10] if n % 10 else "")


@dataclass(frozen=True)
class Step:
    kind: str
    numbers: tuple[int, ...] = ()  # alternatives
    name: str = ""

    def shown(self) -> str:
        if self.kind == "name":
            return self.name
        return "/".join(_show(self.kind, n) for n in self.numbers)


def _show(kind: str, n: int) -> str:
    return {"part": f"第{_cn_words(n)}篇", "chapter": f"第{_cn_words(n)}章", "article": f"第{_cn_words(n)}条",
            "cn": f"{_cn_words(n)}、", "cn_paren": f"（{_cn_words(n)}）", "num": f"{n}.", "num_paren": f"（{n}）",
            "circled": CIRCLED[n - 1] if 0 < n <= len(CIRCLED) else str(n), "letter": chr(64 + n)}[kind]


_TOKENS = [
    ("part", re.compile(rf"第([{CN}]+|\d+)篇")),
    ("chapter", re.compile(rf"第([{CN}]+|\d+)章")),
    ("article", re.compile(rf"第([{CN}]+|\d+)条")),
    ("cn_paren_item", re.compile(rf"第((?:[{_OPEN}][{CN}]+[{_CLOSE}])+)项")),
    ("cn_paren", re.compile(rf"[{_OPEN}]\s*([{CN}]+)\s*[{_CLOSE}]")),
    ("num_paren", re.compile(rf"[{_OPEN}]\s*(\d+)\s*[{_CLOSE}]")),
    ("cn", re.compile(rf"([{CN}]+)、?")),
    ("num", re.compile(r"(\d+)[.、．]?")),
    ("circled", re.compile(f"([{CIRCLED}])")),
    ("letter", re.compile(r"([A-Z])(?![A-Za-z])[.、．]?")),
    ("range", re.compile(r"[-—～~至]")),
    ("space", re.compile(r"[\s\u3000]+")),
    ("name", re.compile(rf"[^\s\u3000{CN[1:]}{_OPEN}{CIRCLED}\d]+(?:[{CN[1:]}]+[^\s\u3000{_OPEN}{CIRCLED}\d、]+)*")),
]


def parse_section(section: str) -> list[Step]:
    """The path of headings a citation names (``SectionError`` if it cannot be read)."""
    steps: list[Step] = []
    pos, pending_range = 0, False
    s = section.strip()
    while pos < len(s):
        hit = next(((k, m) for k, rx in _TOKENS if (m := rx.match(s, pos)) and m.end() > pos), None)
        if hit is None:
            raise SectionError(f"cannot read the section at `{s[pos:pos + 10]}`")
        kind, m = hit
        pos = m.end()
        if kind == "space":
            continue
        if kind == "range":
            if not steps or steps[-1].kind == "name":
                raise SectionError(f"a range needs a numbered heading before `{m.group(0)}`")
            pending_range = True
            continue
        if kind == "name":
            steps.append(Step("name", name=m.group(0)))
            continue
        if kind == "cn_paren_item":
            kind, nums = "cn_paren", tuple(cn_number(x) for x in re.findall(rf"([{CN}]+)", m.group(1)))
        elif kind in ("part", "chapter", "article", "cn", "cn_paren"):
            nums = (int(m.group(1)) if m.group(1).isdigit() else cn_number(m.group(1)),)
        elif kind == "circled":
            nums = (CIRCLED.index(m.group(1)) + 1,)
        elif kind == "letter":
            nums = (ord(m.group(1)) - 64,)
        else:
            nums = (int(m.group(1)),)
        if steps and steps[-1].kind == kind and kind != "name":
            prev = steps.pop()
            if pending_range:
                nums = tuple(range(prev.numbers[-1], nums[0] + 1))
            nums = tuple(dict.fromkeys((*prev.numbers, *nums)))
        elif pending_range:
            raise SectionError("a range joins two headings of the same kind, e.g. （2）-（4）")
        pending_range = False
        steps.append(Step(kind, nums))
    if pending_range:
        raise SectionError("the range has no end")
    if not steps:
        raise SectionError("the section is empty")
    return steps


def _heading_rx(kind: str, n: int | None) -> re.Pattern:
    """Where a heading of ``kind`` (number ``n``; ``None``: any number) starts in a text."""
    if kind == "circled":
        return re.compile(re.escape(CIRCLED[n - 1]) if n is not None else f"[{CIRCLED}]")
    line = r"(?m)^[ \t\u3000]*"
    if kind in ("part", "chapter", "article"):
        word = {"part": "篇", "chapter": "章", "article": "条"}[kind]
        num = _numbered(n) if n is not None else rf"[{CN}]+|\d+"
        return re.compile(rf"{line}第[ \t]*(?:{num})[ \t]*{word}")
    if kind == "cn":
        num = "|".join(_cn_alternatives(n)) if n is not None else f"[{CN}]+"
        return re.compile(rf"{line}(?:{num})[、.．]")
    if kind == "cn_paren":
        num = "|".join(_cn_alternatives(n)) if n is not None else f"[{CN}]+"
        return re.compile(rf"(?m){_LEAD}[{_OPEN}][ \t]*(?:{num})[ \t]*[{_CLOSE}]")
    if kind == "num":
        num = str(n) if n is not None else r"\d+"
        return re.compile(rf"(?m){_LEAD}(?<!\d)(?:{num})[ \t]*[.、．](?!\d)")
    if kind == "num_paren":
        num = str(n) if n is not None else r"\d+"
        return re.compile(rf"(?m){_LEAD}[{_OPEN}][ \t]*(?:{num})[ \t]*[{_CLOSE}]")
    if kind == "letter":
        num = chr(64 + n) if n is not None else "[A-Z]"
        return re.compile(rf"{line}(?:{num})[.、．]")
    raise AssertionError(kind)


def _cn_alternatives(n: int) -> list[str]:
    w = _cn_words(n)
    return [w, "一" + w] if 10 <= n < 20 else [w]  # 十二 or 一十二


def _numbered(n: int) -> str:
    """第二条 or 第2条: a part, chapter or article number in either writing."""
    return "|".join([*_cn_alternatives(n), str(n)])


def _narrow(text: str, span: tuple[int, int], step: Step) -> list[tuple[int, int]]:
    a, b = span
    if step.kind == "name":
        out = []
        for m in re.finditer(_flex(step.name), text[a:b]):
            start = a + m.start()
            end = b
            before = text[text.rfind("\n", 0, start) + 1:start]
            if "●" in before:
                nxt = text.find("●", start, b)
                end = nxt if nxt != -1 else b
            out.append((start, end))
        return out
    if step.kind == "part" and step.numbers == (1,) and not _heading_rx("part", 1).search(text, a, b):
        first = _heading_rx("part", None).search(text, a, b)
        return [(a, first.start())] if first else []
    out = []
    for n in step.numbers:
        for m in _heading_rx(step.kind, n).finditer(text, a, b):
            nxt = _heading_rx(step.kind, n + 1).search(text, m.end(), b)
            out.append((m.start(), nxt.start() if nxt else b))
    return out


def _flex(words: str) -> str:
    """The words of a name, any whitespace between their characters (line wrapping)."""
    return r"[\s\u3000]*".join(re.escape(c) for c in words)


def locate(text: str, section: str) -> list[tuple[int, int]]:
    """The candidate spans of ``section`` in ``text`` (``SectionError`` when a heading is not found)."""
    spans = [(0, len(text))]
    done: list[str] = []
    for step in parse_section(section):
        nxt = [s for sp in spans for s in _narrow(text, sp, step)]
        if not nxt:
            where = f" inside {' '.join(done)}" if done else ""
            raise SectionError(f"no heading {step.shown()}{where}")
        spans = sorted(set(nxt))
        done.append(step.shown())
    return spans


_WS = re.compile(r"[\s\u3000]+")


def quote_in_spans(text: str, spans: list[tuple[int, int]], quote: str) -> bool:
    q = _WS.sub("", quote)
    return any(q in _WS.sub("", text[a:b]) for a, b in spans)


def quote_lines(text: str, quote: str) -> list[int]:
    """The lines of ``text`` where ``quote`` (whitespace aside) begins."""
    q = _WS.sub("", quote)
    if not q:
        return []
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(_flex(q), text)]


def check_cite(text: str, section: str, quote: str) -> tuple[str, str] | None:
    """``None`` when ``section`` is found in ``text`` and ``quote`` is inside it; otherwise what is
    wrong: (``"section"`` or ``"quote"``, why)."""
    try:
        spans = locate(text, section)
    except SectionError as e:
        return "section", f"the section `{section}` is not in the source: {e}"
    if not quote_in_spans(text, spans, quote):
        lines = quote_lines(text, quote)
        at = f" (it is at line {', '.join(map(str, lines[:3]))})" if lines else ""
        return "quote", f"the quote is not inside the cited section `{section}` of the source{at}"
    return None
