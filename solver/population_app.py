"""The population questions of the facade (``solver.app.App``): a table of applicants decided per
district (``batch`` over tables), ``population``, ``reform``, ``synth`` and ``sql``, each returning a
result object with ``as_dict`` / ``render`` (and ``to_markdown``, ``to_csv``, ``exit_code``)."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from policy.errors import InputError
from policy.i18n import Msg, say, status_text
from solver.rows import ErrorRows
from solver.tables import OUTPUT_SUFFIXES, PROFILE_SUFFIXES, TABLE_SUFFIXES

ALL = "all"


def is_table_batch(profiles: list[str], output: str | None, columns: str | None, missing: bool) -> bool:
    """``wrp batch`` on a table file (or with --output / --columns / --missing) goes through SQL."""
    return bool(output or columns or missing or any(Path(f).suffix.lower() in TABLE_SUFFIXES for f in profiles))


def progress_bar(total: int, label: str):
    """A rich progress bar on stderr when it is a terminal and the run is long enough to need one;
    the context gives a ``tick()`` (or None)."""
    from rich.console import Console
    err = Console(stderr=True)
    if not err.is_terminal or total < 50:
        return contextlib.nullcontext(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    prog = Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                    console=err, transient=True)

    @contextlib.contextmanager
    def bar():
        with prog:
            task = prog.add_task(label, total=total)
            yield lambda: prog.advance(task)
    return bar()


def read_input(policy, files: list[str | Path], columns: str | None):
    """One table file, or YAML/JSON profiles (files or directories), as ``Applicants``; the paths read."""
    from policy.yamlio import list_dir, path_kind
    from solver.tables import read_applicants, read_mapping, read_profiles
    paths: list[Path] = []
    for name in files:
        path = Path(name)
        kind = path_kind(path)  # a path too long or in a forbidden directory: one message, no OSError
        if kind == "dir":
            found = list_dir(path, tuple(PROFILE_SUFFIXES))
            if not found:  # an empty table is not an answer: say so (exit 2)
                raise InputError(Msg(f"the directory holds no profile ({', '.join(PROFILE_SUFFIXES)})",
                                     f"目录中没有申请人档案（{'、'.join(PROFILE_SUFFIXES)}）"), file=str(name))
            paths += found
        elif kind == "missing":
            raise InputError("no such file or directory", file=str(name))
        else:
            paths.append(path)
    tables = [p for p in paths if p.suffix.lower() in TABLE_SUFFIXES]
    if tables and len(paths) > 1:
        raise InputError("give one table file, or YAML/JSON profiles (not both)", file=str(tables[0]))
    if tables:
        return read_applicants(policy, tables[0], read_mapping(columns)), paths
    return read_profiles(policy, paths), paths


def stream_input(policy, file: str, columns: str | None, lang: str = "en"):
    """One table file (or YAML/JSON profiles) as batches of ``Applicants`` (warnings printed as read):
    memory flat in the number of rows."""
    from solver.tables import iter_applicants, read_mapping
    path = Path(file)
    if path.suffix.lower() in TABLE_SUFFIXES:
        if not path.exists():
            raise InputError("no such file or directory", file=str(file))
        mapping = read_mapping(columns)
        batches = iter_applicants(policy, path, mapping)
        first = next(batches)  # read errors (headers, format) raised here, before any work
        _warn(first, lang)

        def rest():
            yield first
            for b in batches:
                _warn(b, lang)
                yield b
        return rest()
    apps, _ = read_input(policy, [file], columns)
    _warn(apps, lang)
    return [apps]


def _warn(apps, lang: str = "en") -> None:
    import sys

    from policy.errors import escape
    for w in apps.warnings:  # a header echoed from the file: control characters made visible
        sys.stderr.write(f"wrp: warning: {escape(say(w, lang))}\n")


# --- batch over a table ----------------------------------------------------------------------------


@dataclass
class TableBatchResult(ErrorRows):
    outcomes: list  # solver.population.Outcome
    rows: list[dict]  # the output file's rows
    total: int  # rows read
    output: str | None
    lang: str
    unit = "rows"

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "error")

    @property
    def read(self) -> int:
        return self.total

    def as_dict(self) -> list[dict]:
        return [o.as_dict() for o in self.outcomes]

    def to_csv(self) -> str:
        import csv
        import io
        buf = io.StringIO()
        keys = list(self.rows[0]) if self.rows else ["row", "id", "name", "district", "status", "pathways", "reasons"]
        w = csv.writer(buf)
        w.writerow(keys)
        for r in self.rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k in keys])
        return buf.getvalue()

    def render(self, lang: str = "en") -> list:
        if self.output:
            counts: dict[str, int] = {}
            for o in self.outcomes:
                counts[o.status] = counts.get(o.status, 0) + 1
            summary = ", ".join(f"{status_text(k, lang) if k != 'error' else ('错误' if lang == 'zh' else 'error')} {v}"
                                for k, v in sorted(counts.items()))
            return [(f"已写入 {len(self.rows)} 行到 {self.output}（{summary}）" if lang == "zh" else
                     f"wrote {len(self.rows)} rows to {self.output} ({summary})")]
        from rich.table import Table
        zh = lang == "zh"
        tab = Table()
        keys = ("row", "id", "name", "district", "status", "pathways", "reasons")
        for c in (("行", "编号", "姓名", "辖区", "结论", "满足的条件", "原因") if zh else keys):
            tab.add_column(c)
        for r in self.rows:
            tab.add_row(*("" if r.get(k) is None else str(r[k]) for k in keys))
        return [tab]


def batch_table(app, profiles: list[str], district: str | None = None, date: dt.date | None = None,
                lenient: bool = False, output: str | None = None, columns: str | None = None, missing: bool = False,
                lang: str = "en") -> TableBatchResult:
    from solver.population import decide_table, outcome_rows
    from solver.tables import write_rows
    policy = app.policy
    if output and Path(output).suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"unsupported output format `{Path(output).suffix or output}`; use "
                         f"{', '.join(OUTPUT_SUFFIXES)}", field="--output")
    if district and district != ALL:
        app.known(district, ALL)
    apps, paths = read_input(policy, profiles, columns)
    _warn(apps, lang)
    n = apps.table.num_rows * (len(policy.ids()) if district == ALL else 1)
    with progress_bar(n, "cheapest fixes" if missing else "deciding") as tick:
        outcomes = decide_table(policy, apps, district, date=date, lenient=lenient, lang=lang, missing=missing,
                                progress=tick)
    rows = outcome_rows(outcomes, lang, with_fix=missing, policy=policy)
    if output:
        write_rows(output, rows, inputs=paths)
    return TableBatchResult(outcomes, rows, apps.rows, output, lang)


# --- population, reform ----------------------------------------------------------------------------


def population(app, file: str, district: str = ALL, date: dt.date | None = None, lenient: bool = False,
               columns: str | None = None, lang: str = "en"):
    from solver.population import population as run
    if district != ALL:
        app.known(district, ALL)
    return run(app.policy, stream_input(app.policy, file, columns, lang), district, date=date, lenient=lenient)


def reform(base_app, new_app, file: str, district: str = ALL, date: dt.date | None = None, vs: dt.date | None = None,
           lenient: bool = False, columns: str | None = None, output: str | None = None, sample: int = 3,
           lang: str = "en"):
    from solver.population import reform as run
    from solver.tables import write_rows
    if (new_app.rules is None) == (vs is None):
        raise InputError("give either --rules DIR (modified rules) or --date D1 --vs D2 (two dates)", field="--rules")
    if vs is not None and date is None:
        raise InputError("--vs needs --date (the baseline date)", field="--vs")
    if district != ALL:
        base_app.known(district, ALL)
    paths = [Path(file)]
    res = run(base_app.policy, new_app.policy, stream_input(base_app.policy, file, columns, lang), district, date=date, vs=vs if vs else date, lenient=lenient,
              sample=sample, lang=lang)
    if output:
        write_rows(output, res.flipped_rows(lang), inputs=paths)
        res.output = output
    return res


# --- synth, sql --------------------------------------------------------------------------------------


@dataclass
class SynthResult:
    n: int
    seed: int
    output: str

    def as_dict(self) -> dict:
        return {"rows": self.n, "seed": self.seed, "output": self.output, "synthetic": True}

    def render(self, lang: str = "en") -> list:
        return [f"已写入 {self.n} 条合成（SYNTHETIC）申请人数据到 {self.output}（seed {self.seed}）" if lang == "zh" else
                f"wrote {self.n} SYNTHETIC applicants to {self.output} (seed {self.seed})"]


MAX_SYNTH = 20_000_000  # rows `wrp synth` draws in one run (about 10 GB of columns at most)


def synth(app, n: int, seed: int = 0, output: str | None = None) -> SynthResult:
    from solver.synth import synth as draw
    from solver.tables import ROW, write_table
    if n < 1:
        raise InputError("must be at least 1", field="n")
    if n > MAX_SYNTH:
        raise InputError(Msg(f"must be at most {MAX_SYNTH:,} (the population is drawn in memory; run synth "
                             "several times with other seeds for more)",
                             f"不能超过 {MAX_SYNTH:,}（总体在内存中生成；如需更多，请用不同的 --seed 多次运行）"),
                         field="n")
    if not output:
        raise InputError("give the file to write (.csv, .xlsx, .parquet, .jsonl)", field="--output")
    if Path(output).suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"unsupported output format `{Path(output).suffix or output}`; use "
                         f"{', '.join(OUTPUT_SUFFIXES)}", field="--output")
    try:
        table = draw(app.policy, n, seed).drop_columns([ROW])
    except MemoryError:
        raise InputError(Msg(f"not enough memory to draw {n:,} applicants; ask for fewer",
                             f"内存不足，无法生成 {n:,} 名申请人；请减少数量"), field="n") from None
    write_table(output, table)
    return SynthResult(n, seed, output)


@dataclass
class SqlResult:
    district: str
    dialect: str
    query: str

    def as_dict(self) -> dict:
        return {"district": self.district, "dialect": self.dialect, "query": self.query}

    def render(self, lang: str = "en") -> list:
        return [self.query]


def sql(app, district: str, dialect: str = "duckdb", table: str = "applicants", keys: tuple[str, ...] = (),
        date: dt.date | None = None, lenient: bool = False, detail: str = "clauses") -> SqlResult:
    from solver.backends.sql import to_sql
    app.known(district)
    q = to_sql(app.policy, district, table=table, keys=tuple(keys), date=date, lenient=lenient, detail=detail)
    return SqlResult(district, dialect, q.sql(dialect, pretty=True) + ";")
