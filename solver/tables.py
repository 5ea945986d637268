"""Tables of applicants in and out: the Arrow form the SQL backend reads, and the files it comes from.

One row per applicant, one column per stated fact named by its path (docs/profile.md):
``applicant.income.monthly_avg_12m``; list items ``applicant.income.annual_last_3_years[0]``.
Arrow types: dates ``date32``, yes/no ``bool``, choices ``string`` (English choice names), whole
numbers ``int64``, other numbers ``decimal128(38, s)`` (exact, never floats).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa

from policy.errors import InputError, shown
from policy.i18n import Msg, say
from policy.load import Policy
from policy.reader import MAX_DATE, MIN_DATE

ROW = "__row"  # the 1-based row number of the input, carried through every query


def columns(policy: Policy) -> dict[str, str]:
    """Stated fact columns and their vocabulary type (list facts expanded to their items)."""
    out: dict[str, str] = {}
    for spec in policy.vocabulary.facts.values():
        if spec.derived:
            continue
        for n in spec.numeric_names:
            out[n] = "money" if spec.type == "money_list" else spec.type
    return out


def _scale(values) -> int:
    s = 0
    for v in values:
        if v is not None:
            e = v.as_tuple().exponent
            s = max(s, -e if isinstance(e, int) and e < 0 else 0)
    return s


def arrow_column(kind: str, values: list) -> pa.Array:
    """Typed Arrow array of already-checked Python values (``None``: unknown)."""
    if kind == "date":
        return pa.array([None if v is None else (v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)))
                         for v in values], pa.date32())
    if kind == "bool":
        return pa.array(values, pa.bool_())
    if kind == "enum":
        return enum_array(pa.array(values, pa.string()))
    decs = [None if v is None else (v if isinstance(v, Decimal) else Decimal(str(v))) for v in values]
    if all(d is None or d == d.to_integral_value() for d in decs):
        return pa.array([None if d is None else int(d) for d in decs], pa.int64())
    s = min(_scale(decs), 18)
    return pa.array([None if d is None else d.quantize(Decimal(1).scaleb(-s)) for d in decs], pa.decimal128(38, s))


ENUM_TYPE = pa.dictionary(pa.int32(), pa.string())


def enum_array(arr) -> pa.Array:
    """Choices as a dictionary array (each name stored once): what the SQL backend scans fastest."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        return arr if arr.type == ENUM_TYPE else arr.cast(ENUM_TYPE)
    return arr.cast(pa.string()).dictionary_encode().cast(ENUM_TYPE)


def flatten(profile: dict, prefix: str = "") -> dict[str, object]:
    """A nested profile dict → {fact path: value}, list facts as ``name[i]``."""
    out: dict[str, object] = {}
    for k, v in profile.items():
        name = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(flatten(v, name))
        elif isinstance(v, list):
            out.update({f"{name}[{i}]": x for i, x in enumerate(v)})
        else:
            out[name] = v
    return out


def from_profiles(policy: Policy, profiles: list[dict]) -> pa.Table:
    """Profiles (the input contract, as dicts) → the applicant table, every fact column present."""
    flat = [flatten(p) for p in profiles]  # facts of other vocabularies (procedure dates) are not columns
    cols = {ROW: pa.array(range(1, len(flat) + 1), pa.int64())}
    for name, kind in columns(policy).items():
        cols[name] = arrow_column(kind, [f.get(name) for f in flat])
    return pa.table(cols)


def complete(policy: Policy, table: pa.Table) -> pa.Table:
    """Add the fact columns a table leaves out (all unknown), so every query finds its columns."""
    for name, kind in columns(policy).items():
        if name not in table.column_names:
            table = table.append_column(name, arrow_column(kind, [None] * table.num_rows))
    if ROW not in table.column_names:
        table = table.append_column(ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))
    return table




# --- reading ------------------------------------------------------------------------------------

ID_HEADERS = {"id", "编号", "工号", "序号", "员工编号", "人员编号"}
NAME_HEADERS = {"name", "姓名", "名字", "员工姓名"}
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl", ".ndjson")
PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
TRUE_WORDS = {"true", "yes", "y", "1", "是", "有", "√", "✓", "对", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "无", "没有", "×", "✗", "错", "f"}


@dataclass
class RowError:
    """A row that could not be read: its row number in the file (as a spreadsheet shows it), the
    column and what is wrong."""

    row: int
    column: str | None
    message: str
    id: object = None
    name: object = None

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column `{self.column}`" if self.column else "")
        return f"{where}: {self.message}"

    def zh(self) -> str:
        where = f"第 {self.row} 行" + (f"，列 `{self.column}`" if self.column else "")
        return f"{where}：{say(self.message, 'zh')}"


class ColumnMap:
    """Row number → cell of an Arrow column (``offset + 1`` is its first row): the ``id`` / ``name``
    of a Parquet batch, read when asked rather than held as a Python dict of every row."""

    def __init__(self, arr: pa.Array, offset: int):
        self.arr, self.offset = arr, offset

    def get(self, row: int, default=None):
        i = row - self.offset - 1
        return self.arr[i].as_py() if 0 <= i < len(self.arr) else default

    def __getitem__(self, row: int):
        i = row - self.offset - 1
        if not 0 <= i < len(self.arr):
            raise KeyError(row)
        return self.arr[i].as_py()

    def keys(self):
        return range(self.offset + 1, self.offset + len(self.arr) + 1)

    def __len__(self) -> int:
        return len(self.arr)

    def __eq__(self, other) -> bool:
        return dict(zip(self.keys(), self.arr.to_pylist())) == other


@dataclass
class Applicants:
    """A table read from a file: the applicant table (good rows) and the rows that are not."""

    table: pa.Table  # ROW = the row number in the file; only the good rows
    errors: list[RowError]
    ids: dict[int, object] = field(default_factory=dict)  # row number -> id
    names: dict[int, object] = field(default_factory=dict)  # row number -> name
    warnings: list[str] = field(default_factory=list)
    file: str = ""

    @property
    def rows(self) -> int:
        return self.table.num_rows + len(self.errors)


def header_map(policy: Policy) -> dict[str, str]:
    """Every accepted header → column: the fact path, its Chinese or English label; list items
    ``[i]`` after either, numbered from 0 as in the paths."""
    out: dict[str, str] = {}
    for name, spec in policy.vocabulary.facts.items():
        if spec.derived:
            continue
        for lab in (name, spec.label["zh"], spec.label["en"]):
            if spec.type == "money_list":
                out.update({f"{lab}[{i}]": n for i, n in enumerate(spec.numeric_names)})
            else:
                out[lab] = name
    return out


def _norm(h: str) -> str:
    return re.sub(r"\s+", " ", str(h).strip().replace("（", "(").replace("）", ")"))


def resolve_headers(policy: Policy, headers: list[str], mapping: dict[str, str] | None, file: str
                    ) -> tuple[dict[int, str], list[str]]:
    """Column index → fact column (or ``id`` / ``name``), and warnings about ignored columns."""
    known = {_norm(k): v for k, v in header_map(policy).items()}
    lower = {k.lower(): v for k, v in known.items()}
    cols = set(columns(policy))
    out: dict[int, str] = {}
    ignored: list[tuple[str, list[str]]] = []
    for i, h in enumerate(headers):
        if h is None or str(h).strip() == "":
            continue
        raw = str(h).strip()
        if mapping and raw in mapping:
            target = mapping[raw]
            if target not in cols and target not in ("id", "name", "ignore"):
                raise InputError(f"maps column `{raw}` to `{target}`, which is not a fact path, `id`, `name` or "
                                 "`ignore`", file=file, field=raw)
            if target != "ignore":
                out[i] = target
            continue
        n = _norm(raw)
        if n.lower() in ID_HEADERS:
            out[i] = "id"
        elif n.lower() in NAME_HEADERS:
            out[i] = "name"
        elif n in known or n.lower() in lower:
            out[i] = known.get(n) or lower[n.lower()]
        else:
            close = difflib.get_close_matches(n, list(known), n=2, cutoff=0.75)
            ignored.append((f"`{shown(raw, 60)}`", close))
    seen: dict[str, int] = {}
    for i, target in out.items():
        if target in seen:
            raise InputError(f"columns `{headers[seen[target]]}` and `{headers[i]}` both give `{target}`",
                             file=file, field=str(headers[i]))
        seen[target] = i
    where = shown(str(file), 300)
    warnings = [Msg(f"{where}: columns ignored (not facts of the vocabulary; map them with --columns): "
                    + ", ".join(h + (f" (did you mean {' or '.join(f'`{c}`' for c in close)}?)" if close else "")
                                for h, close in ignored),
                    f"{where}：以下列已忽略（不是词汇表中的字段；可用 --columns 映射）："
                    + "、".join(h + (f"（是否想用 {' 或 '.join(f'`{c}`' for c in close)}？）" if close else "")
                               for h, close in ignored))] if ignored else []
    return out, warnings


def parse_cell(policy: Policy, column: str, v):
    """One cell → the value ``from_profiles`` takes (None: unknown); ``ValueError`` says what is wrong."""
    if v is None or (isinstance(v, str) and v.strip() in ("", "-", "—", "未知", "unknown", "null", "NA", "N/A")):
        return None
    if isinstance(v, float) and v != v:  # NaN from a spreadsheet
        return None
    spec = policy.vocabulary.spec(column)
    kind = "money" if spec.type == "money_list" else spec.type
    if kind == "date":
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        s = str(v).strip()
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
        if not m:
            raise ValueError(Msg(f"must be a date YYYY-MM-DD, got `{shown(s, 60)}`",
                                 f"须为 YYYY-MM-DD 格式的日期，实际为 `{shown(s, 60)}`"))
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(Msg(f"is not a real date: `{shown(s, 60)}`", f"不是真实存在的日期：`{shown(s, 60)}`")) from None
        if not MIN_DATE <= day <= MAX_DATE:
            raise ValueError(Msg(f"must be a date between {MIN_DATE} and {MAX_DATE} (wrp's calendar), got `{s}`",
                                 f"日期须在 {MIN_DATE} 至 {MAX_DATE} 之间，实际为 `{s}`"))
        return day
    if kind == "bool":
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in TRUE_WORDS or s == "1.0":
            return True
        if s in FALSE_WORDS or s == "0.0":
            return False
        raise ValueError(Msg(f"must be yes or no (是/否, true/false), got `{shown(v, 60)}`",
                             f"须为是或否（是/否、true/false），实际为 `{shown(v, 60)}`"))
    if kind == "enum":
        s = str(v).strip()
        for choice, zh in (*spec.choice_zh, *((c, c) for c in spec.choices)):
            if s.lower() == choice.lower() or s == zh or (zh.endswith("区") and s == zh[:-1]):
                return choice
        zh_names = [zh for _, zh in spec.choice_zh]
        raise ValueError(Msg(f"`{shown(s, 60)}` is not a valid choice; choose one of: {', '.join(spec.choices)}"
                             + (f" ({'、'.join(zh_names)})" if zh_names else ""),
                             f"`{shown(s, 60)}` 不是有效的选项；可选：{'、'.join(zh_names or spec.choices)}"))
    if isinstance(v, bool):
        raise ValueError(_not_a_number(v))
    if isinstance(v, (int, Decimal)):
        x = Decimal(v)
    elif isinstance(v, float):
        x = Decimal(repr(v))
    else:
        s = str(v).strip().replace(",", "").replace("，", "").replace("元", "").replace(" ", "")
        scale = 1
        if s.endswith("万"):
            s, scale = s[:-1], 10000
        for unit in ("个月", "月", "年", "%"):
            if s.endswith(unit):
                s = s[:-len(unit)]
        if len(s) > 40:  # longer than any amount: not parsed (a huge cell, 10**400 digits)
            raise ValueError(_not_a_number(v))
        try:
            x = Decimal(s) * scale
        except InvalidOperation:
            raise ValueError(_not_a_number(v)) from None
    if not x.is_finite():
        raise ValueError(Msg(f"must be a finite number, got `{shown(v, 60)}`", f"须为有限的数值，实际为 `{shown(v, 60)}`"))
    if kind == "int" and x != x.to_integral_value():
        raise ValueError(Msg(f"must be a whole number, got `{shown(v, 60)}`", f"须为整数，实际为 `{shown(v, 60)}`"))
    if spec.minimum is not None and x < Decimal(spec.minimum.numerator) / spec.minimum.denominator:
        raise ValueError(Msg(f"must be at least {spec.minimum}, got `{shown(v, 60)}`",
                             f"须不小于 {spec.minimum}，实际为 `{shown(v, 60)}`"))
    if spec.maximum is not None and x > Decimal(spec.maximum.numerator) / spec.maximum.denominator:
        raise ValueError(Msg(f"must be at most {spec.maximum}, got `{shown(v, 60)}`",
                             f"须不大于 {spec.maximum}，实际为 `{shown(v, 60)}`"))
    return x


def _not_a_number(v) -> Msg:
    return Msg(f"must be a number, got `{shown(v, 60)}`", f"须为数值，实际为 `{shown(v, 60)}`")


def _reason(exc: Exception) -> str:
    """The message of a cell's ``ValueError`` (a ``Msg`` in both languages when it is one)."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], Msg) else str(exc)


def _records(path: Path) -> tuple[list[str], list[list], int]:
    """Headers, rows of cells, and the file row number of the first data row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        fh = open(path, "rb")
        reader = csv.reader(_utf8_lines(fh, path))

        def unreadable(exc: csv.Error) -> InputError:  # a cell past csv's field limit (128 KiB), a NUL
            fh.close()
            return InputError(Msg(f"not a readable CSV file: {shown(str(exc), 120)}",
                                  f"无法读取的 CSV 文件：{shown(str(exc), 120)}"), file=str(path),
                              line=reader.line_num or None)
        try:
            header = next(reader)
        except StopIteration:
            fh.close()
            raise InputError("the file is empty; the first row must name the columns", file=str(path)) from None
        except csv.Error as exc:
            raise unreadable(exc) from None
        except InputError:
            fh.close()
            raise

        def rest():  # read as the rows are decided (a file of millions of rows is never held whole)
            with fh:
                try:
                    yield from reader
                except csv.Error as exc:
                    raise unreadable(exc) from None
        return header, rest(), 2
    if suffix == ".xlsx":
        import openpyxl
        _regular(path, MAX_XLSX_BYTES)
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(f"not a readable Excel .xlsx file ({type(exc).__name__})", file=str(path)) from None
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        while rows and all(c is None for c in rows[-1]):
            rows.pop()
        if not rows:
            raise InputError("the first sheet is empty; its first row must name the columns", file=str(path))
        return [("" if h is None else str(h)) for h in rows[0]], rows[1:], 2
    if suffix in (".jsonl", ".ndjson"):
        headers: list[str] = []
        recs: list[dict] = []
        _regular(path, MAX_JSONL_BYTES)  # batch holds a JSON Lines table whole (use CSV or Parquet beyond)
        with open(path, "rb") as fh:
            for n, line in enumerate(_utf8_lines(fh, path), 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except RecursionError:
                    raise _too_deep(path, n) from None
                except json.JSONDecodeError as exc:
                    raise InputError(f"not valid JSON: {exc.msg}", file=str(path), line=n, col=exc.colno) from None
                if not isinstance(obj, dict):
                    raise InputError("each line must be a JSON object (one applicant)", file=str(path), line=n)
                if _depth(obj) > MAX_JSON_DEPTH:
                    raise _too_deep(path, n)
                flat = flatten(obj)
                for k in flat:
                    if k not in headers:
                        headers.append(k)
                recs.append(flat)
        return headers, [[r.get(h) for h in headers] for r in recs], 1
    raise InputError(f"unsupported table format `{suffix}`; use .csv, .xlsx, .parquet or .jsonl", file=str(path))


MAX_LINE_BYTES = 64 << 20  # one physical line of a CSV or JSON Lines table (csv's cells are 128 KiB at most)
MAX_XLSX_BYTES = 100 << 20  # a compressed workbook expands several times in memory
MAX_JSONL_BYTES = 512 << 20  # a JSON Lines table is read whole (its columns are the union of its keys)
MAX_JSON_DEPTH = 32  # nesting of one JSON Lines record (a profile is a few levels deep)


def _regular(path: Path, limit: int | None = None) -> None:
    """A regular file (not a directory, FIFO or device, which would be read forever) of at most ``limit``
    bytes, or an ``InputError`` naming it."""
    from policy.yamlio import _too_big, path_kind
    kind = path_kind(path)
    if kind == "missing":
        raise InputError(Msg("no such file", "文件不存在"), file=str(path))
    if kind != "file":
        raise InputError(Msg("is a directory, a FIFO or a device, not a regular file; wrp reads only regular files",
                             "是目录、管道或设备，不是普通文件；wrp 只读取普通文件"), file=str(path))
    if limit is not None:
        size = os.stat(path).st_size
        if size > limit:
            raise InputError(_too_big(size, limit), file=str(path))


def _utf8_lines(fh, path: Path):
    """The lines of a binary file as text, one at a time (the file is never held whole): UTF-8 (a BOM
    allowed on the first line), each at most ``MAX_LINE_BYTES`` — otherwise one ``InputError`` with the
    line and column of the first bad byte."""
    for n, raw in enumerate(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), 1):
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(Msg(f"the line is longer than {MAX_LINE_BYTES >> 20} MiB",
                                 f"该行超过 {MAX_LINE_BYTES >> 20} MiB"), file=str(path), line=n)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            col = len(raw[:exc.start].decode("utf-8", errors="replace")) + 1
            raise InputError(Msg(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                                 f"不是 UTF-8 文本（字节 0x{raw[exc.start]:02x}）；请以 UTF-8 编码保存"),
                             file=str(path), line=n, col=col) from None
        if n == 1:
            text = text.removeprefix("\ufeff")
        if "\r" in text:  # a lone CR ends a line too (as text mode with newline="" reads it)
            yield from _LONE_CR.split(text)
        else:
            yield text


_LONE_CR = re.compile(r"(?<=\r)(?=[^\n])")


def _depth(obj) -> int:
    """How deeply ``obj`` (parsed JSON) nests lists and objects, without recursion."""
    depth, level = 0, [obj]
    while level:
        level = [v for o in level if isinstance(o, (dict, list)) for v in (o.values() if isinstance(o, dict) else o)]
        depth += 1
    return depth


def _too_deep(path: Path, line: int) -> InputError:
    return InputError(Msg(f"the JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels)",
                          f"JSON 嵌套层数过多（超过 {MAX_JSON_DEPTH} 层）"), file=str(path), line=line)


def read_mapping(path: str | None) -> dict[str, str] | None:
    """``--columns MAP.yaml``: {header in the file: fact path | id | name | ignore}."""
    if not path:
        return None
    from policy.yamlio import read_yaml
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", file=path, field="--columns")
    data = read_yaml(p)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError("a column map is a mapping `header in the file: fact path` (or id, name, ignore)",
                         file=path, field="--columns")
    return {str(k): str(v) for k, v in data.items()}


def read_applicants(policy: Policy, path: str | Path, mapping: dict[str, str] | None = None) -> Applicants:
    """A table file (CSV, XLSX, Parquet, JSON Lines) → applicants; every bad cell makes its row an
    error row naming the row and column, the other rows are read."""
    return merge(list(iter_applicants(policy, path, mapping, batch_rows=None)))


BATCH_ROWS = 500_000  # each query has a fixed cost of ~0.1 s (binding thousands of expressions): not smaller


def iter_applicants(policy: Policy, path: str | Path, mapping: dict[str, str] | None = None,
                    batch_rows: int | None = BATCH_ROWS):
    """``read_applicants`` in batches of ``batch_rows`` rows (None: one batch), so that memory stays
    flat in the number of rows: Parquet by record batches, CSV and XLSX row by row (JSON Lines whole)."""
    path = Path(path)
    _regular(path)  # a FIFO or a device would be read forever
    if path.suffix.lower() == ".parquet":
        yield from _read_parquet(policy, path, mapping, batch_rows)
        return
    headers, rows, first = _records(path)
    cmap, warnings = resolve_headers(policy, headers, mapping, str(path))
    chunk: list = []
    start, sent = first, False
    for cells in rows:
        chunk.append(cells)
        if batch_rows and len(chunk) >= batch_rows:
            yield _from_cells(policy, headers, cmap, chunk, start, str(path), [] if sent else warnings)
            start, chunk, sent = start + len(chunk), [], True
    if chunk or not sent:
        yield _from_cells(policy, headers, cmap, chunk, start, str(path), [] if sent else warnings)


def merge(parts: list[Applicants]) -> Applicants:
    """Batches of one file as one ``Applicants``."""
    if len(parts) == 1:
        return parts[0]
    out = Applicants(pa.concat_tables([p.table for p in parts], promote_options="permissive"), [], {}, {}, [],
                     parts[0].file)
    for p in parts:
        out.errors += p.errors
        out.ids.update(p.ids)
        out.names.update(p.names)
        out.warnings += p.warnings
    return out


def _from_cells(policy, headers, cmap, rows, first, file, warnings) -> Applicants:
    kinds = columns(policy)
    data: dict[str, list] = {c: [] for c in kinds}
    good: list[int] = []
    errors: list[RowError] = []
    ids: dict[int, object] = {}
    names: dict[int, object] = {}
    for n, cells in enumerate(rows):
        rownum = first + n
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        values: dict[str, object] = {}
        err = None
        for i, target in cmap.items():
            cell = cells[i] if i < len(cells) else None
            if target == "id":
                ids[rownum] = cell
                continue
            if target == "name":
                names[rownum] = cell
                continue
            try:
                values[target] = parse_cell(policy, target, cell)
            except ValueError as exc:
                err = err or RowError(rownum, str(headers[i]), _reason(exc))
        if err:
            err.id, err.name = ids.get(rownum), names.get(rownum)
            errors.append(err)
            continue
        good.append(rownum)
        for c in kinds:
            data[c].append(values.get(c))
    cols = {ROW: pa.array(good, pa.int64())}
    for c, kind in kinds.items():
        cols[c] = arrow_column(kind, data[c])
    return Applicants(pa.table(cols), errors, ids, names, warnings, file)


def _read_parquet(policy: Policy, path: Path, mapping, batch_rows: int | None):
    """Parquet keeps its types: columns of the right Arrow type are taken as they are (vectorised
    checks), other columns go through the cell parser. Read by record batches."""
    import pyarrow.parquet as pq
    try:
        f = pq.ParquetFile(path, pre_buffer=False)  # memory: one column chunk at a time, not a row group
        names = f.schema_arrow.names
        cmap, warnings = resolve_headers(policy, names, mapping, str(path))
        wanted = [names[i] for i in sorted(cmap)]
        start = 0
        for batch in f.iter_batches(batch_size=batch_rows or max(f.metadata.num_rows, 1), columns=wanted):
            n = batch.num_rows
            out = _parquet_batch(policy, pa.Table.from_batches([batch]), {k: cmap[i] for k, i in enumerate(sorted(cmap))},
                                 [] if start else warnings, start, path)
            del batch  # memory: only the typed batch is alive while it is decided
            yield out
            del out
            start += n
        if not start:
            yield _parquet_batch(policy, f.schema_arrow.empty_table().select(wanted),
                                 {k: cmap[i] for k, i in enumerate(sorted(cmap))}, warnings, 0, path)
    except (OSError, pa.ArrowException) as exc:  # a damaged file (pyarrow: ArrowInvalid / OSError)
        raise InputError(f"not a readable Parquet file ({exc})", file=str(path)) from None


def _parquet_batch(policy: Policy, t: pa.Table, cmap: dict[int, str], warnings, offset: int, path: Path) -> Applicants:
    import pyarrow.compute as pc
    kinds = columns(policy)
    rownums = pa.array(range(offset + 1, offset + t.num_rows + 1), pa.int64())
    bad = pa.array([False] * t.num_rows)
    errors: list[RowError] = []
    out: dict[str, pa.Array] = {}
    ids: dict[int, object] | ColumnMap = {}
    names: dict[int, object] | ColumnMap = {}
    for i, target in cmap.items():
        arr = t.column(i).combine_chunks()
        header = t.column_names[i]
        if target in ("id", "name"):
            if target == "id":
                ids = ColumnMap(arr, offset)
            else:
                names = ColumnMap(arr, offset)
            continue
        kind, spec = kinds[target], policy.vocabulary.spec(target)
        typed = None
        if kind == "date" and pa.types.is_date(arr.type):
            typed = arr.cast(pa.date32())
        elif kind == "bool" and pa.types.is_boolean(arr.type):
            typed = arr
        elif kind == "enum" and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
                                 or (pa.types.is_dictionary(arr.type) and pa.types.is_string(arr.type.value_type))):
            arr = enum_array(arr)
            if all(x in spec.choices for x in arr.dictionary.to_pylist()):  # the dictionary holds each distinct name once
                typed = arr
        elif kind in ("int", "money", "decimal") and (pa.types.is_integer(arr.type) or pa.types.is_decimal(arr.type)):
            ok = pc.is_null(arr)
            inside = pa.array([True] * t.num_rows)
            if spec.minimum is not None:
                inside = pc.and_(inside, pc.greater_equal(arr, int(spec.minimum)))
            if spec.maximum is not None:
                inside = pc.and_(inside, pc.less_equal(arr, int(spec.maximum)))
            if pc.all(pc.or_kleene(ok, inside)).as_py() and (kind != "int" or pa.types.is_integer(arr.type)):
                typed = arr.cast(pa.int64()) if pa.types.is_integer(arr.type) else arr
        if typed is None:  # the cell parser, row by row (strings, floats, out-of-range values)
            vals = []
            for n, v in enumerate(arr.to_pylist()):
                try:
                    vals.append(parse_cell(policy, target, v))
                except ValueError as exc:
                    vals.append(None)
                    if not bad[n].as_py():
                        errors.append(RowError(offset + n + 1, header, _reason(exc)))
                        bad = pc.or_(bad, pc.equal(rownums, offset + n + 1))
            typed = arrow_column(kind, vals)
        out[target] = typed
    cols = {ROW: rownums, **out}
    table = complete(policy, pa.table(cols))
    if errors:
        table = table.filter(pc.invert(bad))
        for e in errors:
            e.id, e.name = ids.get(e.row), names.get(e.row)
    return Applicants(table, errors, ids, names, warnings, str(path))


def read_profiles(policy: Policy, paths: list[Path]) -> Applicants:
    """YAML/JSON profiles (one applicant each) as a table; a bad profile is an error row naming the
    file, line and field (the profile loader's message)."""
    from policy.yamlio import read_yaml
    from solver.procedures.facts import procedure_facts_from_dict
    good, errors, names = [], [], {}
    rows: list[int] = []
    for n, p in enumerate(paths, 1):
        try:
            if not p.exists():
                raise InputError("no such file", file=str(p))
            data = read_yaml(p)
            procedure_facts_from_dict(data, policy, file=str(p))  # as `wrp check` reads a profile
        except InputError as exc:
            errors.append(RowError(n, exc.field, Msg(str(exc), exc.text("zh")), id=str(p)))
            continue
        good.append(data)
        rows.append(n)
        names[n] = str(p)
    t = from_profiles(policy, good)
    t = t.set_column(t.column_names.index(ROW), ROW, pa.array(rows, pa.int64()))
    return Applicants(t, errors, {n: v for n, v in names.items()}, {}, [], "")


# --- writing ------------------------------------------------------------------------------------

OUTPUT_SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl")


def write_rows(path: str | Path, rows: list[dict], inputs: list[Path] = ()) -> None:
    """Write ``rows`` (same keys each) to ``path`` by its extension, atomically: a temporary file in
    the same directory, renamed over the target once complete. Never overwrites an input."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise InputError(f"unsupported output format `{suffix or path.name}`; use .csv, .xlsx, .parquet or .jsonl",
                         field="--output")
    _atomic(path, inputs, lambda tmp: _write(tmp, suffix, rows))


def write_table(path: str | Path, table: pa.Table, inputs: list[Path] = ()) -> None:
    """An Arrow table to ``path`` by its extension, atomically (as ``write_rows``)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq
        _atomic(path, inputs, lambda tmp: pq.write_table(table, tmp))
        return
    rows = table.to_pylist()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, Decimal):
                r[k] = int(v) if v == v.to_integral_value() else float(v) if path.suffix.lower() == ".xlsx" else str(v)
            elif isinstance(v, dt.date) and path.suffix.lower() != ".xlsx":
                r[k] = v.isoformat()
    write_rows(path, rows, inputs)


def _atomic(path: Path, inputs, write) -> None:
    """``write(tmp)`` into a temporary file next to ``path``, then rename it into place: the target is
    the old file or the whole new one. The checks of ``solver.render.atomic`` (never an input, a link,
    a directory …; an existing output is replaced); SIGTERM, like SIGINT, removes the temporary file."""
    import signal

    from solver.render.atomic import _sigterm_raises, _Terminated, check_target
    for i in inputs:
        if i.exists() and path.exists() and os.path.samefile(i, path):
            raise InputError("is the input file; write the results to another file", file=str(path), field="--output")
    check_target(path, force=True, inputs=inputs, field="--output")
    tmp = None
    try:
        with _sigterm_raises():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            os.close(fd)
            write(Path(tmp))
            os.replace(tmp, path)
            tmp = None
    except _Terminated:
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _cell(v):
    if isinstance(v, list):
        return "; ".join(str(x) for x in v)
    return v


def _write(tmp: Path, suffix: str, rows: list[dict]) -> None:
    keys = list(rows[0]) if rows else ["id", "name", "district", "status"]
    if suffix == ".csv":
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens Chinese correctly
            w = csv.writer(fh)
            w.writerow(keys)
            for r in rows:
                w.writerow(["" if r.get(k) is None else _cell(r.get(k)) for k in keys])
    elif suffix == ".jsonl":
        with open(tmp, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    elif suffix == ".xlsx":
        import openpyxl
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("wrp")
        ws.append(keys)
        for r in rows:
            ws.append([_cell(r.get(k)) if not isinstance(r.get(k), (dict,)) else json.dumps(r.get(k), ensure_ascii=False)
                       for k in keys])
        wb.save(tmp)
    else:
        import pyarrow.parquet as pq
        cols = {k: [(_cell(r.get(k)) if isinstance(r.get(k), list) else r.get(k)) for r in rows] for k in keys}
        pq.write_table(pa.table({k: pa.array([None if v is None else (v if isinstance(v, (int, bool)) else str(v))
                                                for v in vals]) for k, vals in cols.items()}), tmp)


__all__ = ["ROW", "columns", "arrow_column", "enum_array", "flatten", "from_profiles", "complete", "read_applicants",
           "iter_applicants", "merge",
           "read_profiles", "read_mapping", "write_rows", "write_table", "Applicants", "RowError", "parse_cell"]
