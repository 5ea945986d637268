"""Charts as inline SVG, drawn in Python: a line chart, a heat map and stacked bars.

No script and no external file: the report opens offline and prints as it looks. Every mark carries
its number twice — in a ``<title>`` (the browser's tooltip, read by screen readers) and in ``data-*``
attributes (what the tests read) — and the report prints the same numbers in a table under each
chart. All text goes through ``markup.el`` (escaped).

Example:
    >>> s = line_chart("t", ["2023", "2024"], [Series("a", "1.5×", [Point(0, 17642, "17,642"), Point(1, 17906, "17,906")])])
    >>> s.count("<circle"), "17,906" in s
    (2, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from solver.render.markup import Markup, el

PALETTE = ("#1f5fa8", "#c8553d", "#2a9d8f", "#8a5cc2", "#e09f3e", "#5c6b73", "#b5179e", "#3a7d44")
FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"


@dataclass
class Point:
    x: int  # index into the x labels
    value: float
    title: str  # tooltip text
    data: dict = field(default_factory=dict)  # data-* attributes
    hollow: bool = False  # drawn as an open circle (e.g. before the rule was in force)


@dataclass
class Series:
    key: str
    label: str
    points: list[Point]
    color: str | None = None
    dashed: bool = False


def fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"


def nice_ticks(hi: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``hi``."""
    if hi <= 0:
        return [0, 1]
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    top = math.ceil(hi / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _text(x, y, s, **kw) -> Markup:
    return el("text", {"x": f"{x:.1f}", "y": f"{y:.1f}"}, s, **kw)


def line_chart(title: str, xlabels: list[str], series: list[Series], unit: str = "", *,
               xsub: list[str] | None = None, xcaption: str = "", width: int = 900, height: int = 380,
               chart_id: str = "", value_labels: set[int] = frozenset(),
               highlight: tuple[int, str] | None = None) -> Markup:
    """Lines over categorical x positions (years), labelled at their right end; ``highlight`` shades
    one x position (index, label)."""
    left, right, top, bottom = 72, 190, 56, 58 if xsub else 40
    pw, ph = width - left - right, height - top - bottom
    hi = max((p.value for s in series for p in s.points), default=1)
    ticks = nice_ticks(hi)
    ymax = ticks[-1]
    n = max(len(xlabels), 1)

    def X(i: int) -> float:
        return left + (pw * (i + 0.5) / n)

    def Y(v: float) -> float:
        return top + ph - ph * v / ymax

    parts: list[Markup] = [el("title", title), _text(left, 18, title, class_="chart-title")]
    if highlight is not None:
        i, label = highlight
        parts.append(el("rect", x=f"{X(i) - pw / n / 2:.1f}", y=top, width=f"{pw / n:.1f}", height=ph, class_="band",
                        data_x=i))
        parts.append(_text(X(i), top - 4, label, class_="band-label", text_anchor="middle"))
    for t in ticks:  # grid and y axis
        parts.append(el("line", x1=left, x2=left + pw, y1=f"{Y(t):.1f}", y2=f"{Y(t):.1f}", class_="grid"))
        parts.append(_text(left - 8, Y(t) + 4, fmt(t), class_="tick", text_anchor="end"))
    if unit:
        parts.append(_text(left - 8, top - 14, unit, class_="unit", text_anchor="end"))
    for i, lab in enumerate(xlabels):
        parts.append(_text(X(i), top + ph + 18, lab, class_="tick", text_anchor="middle"))
        if xsub:
            parts.append(_text(X(i), top + ph + 34, xsub[i], class_="tick sub", text_anchor="middle"))
    parts.append(el("line", x1=left, x2=left + pw, y1=top + ph, y2=top + ph, class_="axis"))
    if xcaption:
        parts.append(_text(left + pw + 10, top + ph + (26 if xsub else 18), xcaption, class_="unit"))
    ends: list[tuple[float, str, str]] = []
    for k, s in enumerate(series):
        color = s.color or PALETTE[k % len(PALETTE)]
        pts = sorted(s.points, key=lambda p: p.x)
        path = " ".join(f"{'M' if j == 0 else 'L'}{X(p.x):.1f},{Y(p.value):.1f}" for j, p in enumerate(pts))
        g = [el("path", d=path, fill="none", stroke=color, stroke_width=2.2,
                stroke_dasharray="6 4" if s.dashed else None)]
        for p in pts:
            g.append(el("circle", {"cx": f"{X(p.x):.1f}", "cy": f"{Y(p.value):.1f}", "r": 4,
                                   "fill": "#fff" if p.hollow else color, "stroke": color, "stroke-width": 1.8,
                                   "class": "pt", "data-value": fmt(p.value).replace(",", ""),
                                   **{f"data-{k2}": v for k2, v in p.data.items()}},
                        el("title", p.title)))
            if p.x in value_labels:
                g.append(_text(X(p.x), Y(p.value) - 9, fmt(p.value), class_="value-label", text_anchor="middle",
                               fill=color))
        if pts:
            ends.append((Y(pts[-1].value), s.label, color))
        parts.append(el("g", {"class": "series", "data-series": s.key}, g))
    # end labels, pushed apart so that they do not overlap
    placed: list[float] = []
    for y, label, color in sorted(ends):
        y = max(y, placed[-1] + 15) if placed else y
        placed.append(y)
        parts.append(_text(left + pw + 10, y + 4, label, class_="end-label", fill=color))
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width} {height}",
                      "width": width, "height": height, "role": "img", "class": "chart", "id": chart_id or None,
                      "font-family": FONT}, parts)


def heat_map(title: str, rows: list[str], cols: list[str], values: dict[tuple[int, int], float],
             labels: dict[tuple[int, int], str], *, row_title: str = "", col_title: str = "",
             cell: int = 64, chart_id: str = "") -> Markup:
    """A matrix of shares (0..1) as coloured cells, the label written in each; the diagonal empty."""
    left, top = 110, 70
    width, height = left + cell * len(cols) + 20, top + cell * len(rows) + 20
    parts: list[Markup] = [el("title", title), _text(8, 18, title, class_="chart-title")]
    if col_title:
        parts.append(_text(left, 38, col_title, class_="unit"))
    if row_title:
        parts.append(_text(8, top - 8, row_title, class_="unit"))
    for j, c in enumerate(cols):
        parts.append(_text(left + cell * j + cell / 2, top - 8, c, class_="tick", text_anchor="middle"))
    for i, r in enumerate(rows):
        parts.append(_text(left - 8, top + cell * i + cell / 2 + 4, r, class_="tick", text_anchor="end"))
        for j, _c in enumerate(cols):
            x, y = left + cell * j, top + cell * i
            v = values.get((i, j))
            if v is None:
                parts.append(el("rect", x=x, y=y, width=cell - 2, height=cell - 2, fill="#f4f4f4"))
                continue
            shade = _heat(v)
            parts.append(el("rect", {"x": x, "y": y, "width": cell - 2, "height": cell - 2, "fill": shade,
                                     "class": "cell", "data-row": rows[i], "data-col": cols[j],
                                     "data-value": f"{v:.4f}"}, el("title", labels.get((i, j), ""))))
            parts.append(_text(x + cell / 2 - 1, y + cell / 2 + 4, labels.get((i, j), "").split("\n")[0],
                               class_="cell-label", text_anchor="middle", fill="#fff" if v > 0.5 else "#222"))
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width} {height}",
                      "width": width, "height": height, "role": "img", "class": "chart", "id": chart_id or None,
                      "font-family": FONT}, parts)


def _heat(v: float) -> str:
    """White → deep red."""
    v = min(max(v, 0.0), 1.0)
    a, b = (255, 247, 243), (165, 15, 21)
    r, g, bl = (round(a[k] + (b[k] - a[k]) * v) for k in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def stacked_bars(title: str, rows: list[str], parts_of: list[list[tuple[str, float, str]]], legend: list[tuple[str, str]],
                 *, width: int = 820, bar: int = 26, chart_id: str = "") -> Markup:
    """Horizontal 100 % bars: for each row, segments (key, share 0..1, tooltip), coloured by key."""
    colors = dict(legend)
    left, top, pw = 120, 50, width - 120 - 30
    height = top + (bar + 12) * len(rows) + 16
    out: list[Markup] = [el("title", title), _text(8, 18, title, class_="chart-title")]
    lx = left
    for key, color in legend:
        out.append(el("rect", x=lx, y=28, width=12, height=12, fill=color))
        out.append(_text(lx + 16, 38, key, class_="tick"))
        lx += 16 + 14 * max(len(key), 4) // 2 + 40
    for i, (name, segs) in enumerate(zip(rows, parts_of)):
        y = top + i * (bar + 12)
        out.append(_text(left - 8, y + bar / 2 + 4, name, class_="tick", text_anchor="end"))
        x = float(left)
        for key, share, tip in segs:
            w = pw * share
            if w <= 0:
                continue
            out.append(el("rect", {"x": f"{x:.1f}", "y": y, "width": f"{w:.1f}", "height": bar,
                                   "fill": colors.get(key, "#999"), "class": "seg", "data-row": name,
                                   "data-key": key, "data-value": f"{share:.4f}"}, el("title", tip)))
            if w > 44:
                out.append(_text(x + w / 2, y + bar / 2 + 4, f"{share:.0%}", class_="cell-label",
                                 text_anchor="middle", fill="#fff"))
            x += w
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width} {height}",
                      "width": width, "height": height, "role": "img", "class": "chart", "id": chart_id or None,
                      "font-family": FONT}, out)


__all__ = ["line_chart", "heat_map", "stacked_bars", "Series", "Point", "nice_ticks", "fmt", "PALETTE"]
