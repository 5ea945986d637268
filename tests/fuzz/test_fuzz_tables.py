"""Fuzz: generated bad spreadsheets (CSV, XLSX, JSON Lines, Parquet) through `wrp batch` and
`wrp population`, each run under memory and CPU limits (tests/fuzz/harness.py).

A table holds one good row (the ordinary applicant) among rows with bad cells — nan, inf, 1e400,
10**400, wrong types, huge cells, control characters, markup, binary junk — under headers that may be
duplicated, unknown or hostile; some files are damaged as a whole (truncated, random bytes).
Every run must: exit 0 or 2, never say "internal error"; give one line on stderr; when the table can
be read, print every bad row as an error row naming its row and column and decide the good row; when
it cannot (a fatal error), name the file and write no output file. ``WRP_FUZZ_LONG=1`` runs many more.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import cli
from tests.fuzz.gen import corrupt
from tests.fuzz.harness import LONG, judge, run_bounded, snapshot
from tests.generate import ORDINARY

EXAMPLES = int(os.environ.get("WRP_FUZZ_EXAMPLES", 1000 if LONG else 16))
# no shrinking: every example is a forked run of a few seconds; the failing example is printed as drawn
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, phases=PHASES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _columns() -> dict[str, object]:
    """The ordinary applicant as one cell per column (list facts item by item)."""
    out: dict[str, object] = {}
    for k, v in ORDINARY.items():
        if isinstance(v, list):
            out.update({f"{k}[{i}]": x for i, x in enumerate(v)})
        else:
            out[k] = v
    return out


GOOD = _columns()
FACTS = sorted(GOOD)
BAD_CELLS = [
    "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "1" + "0" * 400, "10**400", "0x1F", "abc", "",
    " ", "是", "否", "yes", "1990-02-30", "9999-12-31", "0001-01-01", "2021-9-5", "2021-09-15T10:00:00",
    "[bold red]x[/]", "[/x]", "=cmd|' /C calc'!A0", "\x1b[31mred", "\u202eevil", "a\nb", "x" * 100_000,
    "学士", "-1", "1e-300", "12:30", "null", "[1, 2]", "{\"a\": 1}", "<img src=x onerror=alert(1)>",
]
bad_cell = st.one_of(st.sampled_from(BAD_CELLS), st.floats(allow_nan=True, allow_infinity=True),
                     st.integers(-(10 ** 20), 10 ** 20), st.text(max_size=20), st.booleans())
HEADERS = ["id", "name", "foo", "applicant.nickname", "[bold]x[/]", "\x1b[2J", "", "applicant", "姓名"]


@st.composite
def tables(draw) -> tuple[list[str], list[list], int]:
    """Headers, rows (the good row among them) and the good row's index."""
    cols = ["id", "name", *draw(st.lists(st.sampled_from(FACTS), min_size=3, max_size=len(FACTS), unique=True))]
    if "employer.registered_district" not in cols:
        cols.append("employer.registered_district")
    headers = list(cols)
    if draw(st.integers(0, 3)) == 0:  # an unknown or hostile header, or a duplicated one
        headers.insert(draw(st.integers(2, len(headers))), draw(st.sampled_from([*HEADERS, *FACTS])))
    n_bad = draw(st.integers(1, 4))
    good_at = draw(st.integers(0, n_bad))
    rows = []
    for i in range(n_bad + 1):
        row = [i + 1, f"p{i + 1}", *(GOOD.get(h, "") for h in headers[2:])]
        if i != good_at:
            for j in draw(st.lists(st.integers(2, len(headers) - 1), min_size=1, max_size=3, unique=True)):
                row[j] = draw(bad_cell)
        rows.append(row)
    return headers, rows, good_at


def _text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def write_table(path: Path, headers: list[str], rows: list[list]) -> None:
    suffix = path.suffix
    if suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf).writerows([headers, *([_text(c) for c in r] for r in rows)])
        path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    elif suffix == ".jsonl":
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            for r in rows:
                f.write(json.dumps(dict(zip(headers, r)), ensure_ascii=False) + "\n")  # NaN / Infinity tokens
    elif suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        wb = Workbook()
        ws = wb.active

        def cell(v):
            if isinstance(v, str):
                return ILLEGAL_CHARACTERS_RE.sub("", v)[:32_000]  # what Excel can hold
            if isinstance(v, float) and v != v:
                return "nan"
            if isinstance(v, float) and v in (float("inf"), float("-inf")):
                return str(v)
            if isinstance(v, int) and abs(v) > 2 ** 53:
                return str(v)
            return v
        ws.append([cell(h) for h in headers])
        for r in rows:
            ws.append([cell(c) for c in r])
        wb.save(path)
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        names = [h if h else f"_{i}" for i, h in enumerate(headers)]
        if len(set(names)) != len(names):  # Parquet needs distinct column names
            names = [f"{h}_{i}" if names.count(h) > 1 else h for i, h in enumerate(names)]
        data = {}
        for i, h in enumerate(names):
            cells = [r[i] for r in rows]
            if all(isinstance(c, float) for c in cells):
                data[h] = pa.array(cells, pa.float64())  # nan / inf as real floats
            else:
                data[h] = pa.array([None if c is None else _text(c).encode("utf-8", "replace").decode() for c in cells],
                                   pa.string())
        pq.write_table(pa.table(data), path)


ROW = re.compile(r"row (\d+), column `")


def _check_rows(o, rows_in: int, good_at: int, first_row: int) -> None:
    data = json.loads(o.out)
    assert isinstance(data, list)
    by_row: dict[int, list[dict]] = {}
    for r in data:
        by_row.setdefault(r["row"], []).append(r)
    for r in data:
        if r["status"] == "error":
            m = ROW.search(r["error"] or "")
            assert m and int(m.group(1)) == r["row"], f"an error row without its row and column: {r}"
    good = by_row.get(first_row + good_at, [])
    assert good and all(r["status"] in ("eligible", "ineligible", "undetermined") for r in good), \
        f"the good row was not decided: {good} in {data}"
    assert set(by_row) == {first_row + i for i in range(rows_in)}, "every row is in the output"


def _run(case, suffix: str, damage, extra: list[str], command: str = "batch"):
    headers, rows, good_at = case
    d = Path(tempfile.mkdtemp(prefix="wrp-fuzz-"))
    try:
        f = d / f"people{suffix}"
        write_table(f, headers, rows)
        if damage is not None:
            f.write_bytes(damage(f.read_bytes()))
        out = d / "out" / "result.csv" if "--output" in extra else None
        if out is not None:
            out.parent.mkdir()
            extra = [a if a != "OUT" else str(out) for a in extra]
        before = snapshot(d)
        o = run_bounded([command, f, *extra])
        after = snapshot(d)
        # a warning (ignored columns) may come before the one error line: inert, then set aside
        warnings = [x for x in o.err.splitlines() if x.startswith("wrp: warning: ")]
        assert all(not re.search("[\x00-\x1f\x7f]", x) and len(x) < 2000 for x in warnings), warnings
        o.err = "".join(x + "\n" for x in o.err.splitlines() if not x.startswith("wrp: warning: "))
        if out is not None:  # the output file is the one change allowed, and only on an answer
            written = after.pop(str(out), None)
            assert written is None or o.out is not None
        problem = judge(o, [str(f), "rows could not be read", "行无法读取", "`--"], before=before, after=after)
        assert problem is None, f"{problem}\n{o}\nheaders: {headers!r:.300}\nrows: {rows!r:.600}"
        return o, f, out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def setup_module():
    cli.main(["check", str(Path(__file__).resolve().parents[2] / "examples" / "changping_eligible.yaml"),
              "--format", "json"])  # warm the policy once: every forked run starts from it


@SETTINGS
@given(tables(), st.sampled_from([".csv", ".xlsx", ".jsonl", ".parquet"]), st.sampled_from([[], ["--lang", "zh"]]))
def test_bad_cells_are_error_rows_and_the_good_row_is_decided(case, suffix, extra):
    headers, rows, good_at = case
    o, f, _ = _run(case, suffix, None, ["--format", "json", *extra])
    if o.out.strip():
        if "--lang" in extra:
            return  # the same file in English is checked cell by cell below
        _check_rows(o, len(rows), good_at, first_row=1 if suffix in (".jsonl", ".parquet") else 2)
    else:  # the file could not be read at all: only a duplicated or hostile header may do that
        assert o.rc == 2 and str(f) in o.err, o
        assert len(set(headers)) < len(headers) or any(h in headers for h in ("", "applicant")), o


@settings(max_examples=max(EXAMPLES // 2, 8), deadline=None, derandomize=not LONG, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables(), st.sampled_from([".csv", ".xlsx", ".jsonl", ".parquet"]), st.data())
def test_damaged_tables_are_refused_with_the_file_named(case, suffix, data):
    """Whole-file damage (truncation, a random byte, binary junk), also with --output (nothing written on a
    fatal error) and through `wrp population`."""
    def damage(raw: bytes) -> bytes:
        return data.draw(corrupt(raw.decode("latin-1")))[: len(raw) + 10]
    command = data.draw(st.sampled_from(["batch", "batch", "population"]))
    extra = ["--output", "OUT", "--format", "json"] if command == "batch" and data.draw(st.booleans()) else \
        ["--format", "json"]
    o, f, out = _run(case, suffix, damage, extra, command)
    if o.rc == 2 and not o.out.strip():
        assert str(f) in o.err or "rows could not be read" in o.err, o


def test_huge_and_binary_tables_are_bounded(tmp_path):
    """A 50 MB CSV and a binary file named .xlsx / .parquet: refused or read within the limits."""
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as fh:
        fh.write("id,applicant.sex\n")
        fh.write(("1," + "x" * 1_000_000 + "\n") * 50)
    for f in (big,):
        o = run_bounded(["batch", f, "--format", "json"])
        assert judge(o, [str(f), "rows could not be read"]) is None, o
    for suffix in (".xlsx", ".parquet", ".csv", ".jsonl"):
        f = tmp_path / f"junk{suffix}"
        f.write_bytes(os.urandom(4096))
        o = run_bounded(["batch", f])
        assert judge(o, [str(f), "rows could not be read"]) is None, o
        assert o.rc == 2


def test_regressions_found_by_the_campaign(tmp_path, capsys):
    """Each was an internal error or a hang: a Latin-1 CSV, a non-UTF-8 JSON Lines file, a cell longer
    than csv's field limit, a JSON line nested 100,000 deep, a FIFO and /dev/zero named as tables
    (batch and population)."""
    cases = []
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,applicant.sex\n1,m\xe9le\n".encode("latin-1"))
    cases.append((["batch", latin], "latin.csv:2:4: not UTF-8 text"))
    jl = tmp_path / "bad.jsonl"
    jl.write_bytes(b'{"id": 1}\n\xff\n')
    cases.append((["batch", jl], "bad.jsonl:2:1: not UTF-8 text"))
    wide = tmp_path / "wide.csv"
    wide.write_text("id,applicant.sex\n1," + "x" * 200_000 + "\n", encoding="utf-8")
    cases.append((["batch", wide], "wide.csv:2: not a readable CSV file"))
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"id": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    cases.append((["batch", deep], "deep.jsonl:1: the JSON is nested too deeply"))
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    cases += [(["batch", fifo], "fifo.csv: is a directory, a FIFO or a device"),
              (["population", fifo], "fifo.csv: is a directory, a FIFO or a device")]
    for suffix in (".csv", ".parquet", ".xlsx"):
        z = tmp_path / f"zero{suffix}"
        z.symlink_to("/dev/zero")
        cases.append((["batch", z], f"zero{suffix}: is a directory, a FIFO or a device"))
    for argv, want in cases:
        o = run_bounded(argv, cpu=20)
        assert judge(o, [str(argv[1])]) is None and o.rc == 2, o
        assert want in o.err, o


def test_sigterm_or_sigint_while_writing_an_output_table_leaves_the_old_file(tmp_path):
    """`batch --output`: a signal arriving while the table is being written leaves the old file whole and
    no temporary file (tables write through solver/render/atomic.py's checks and signal handling)."""
    import signal
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[2]
    table = tmp_path / "people.csv"
    table.write_text("id,applicant.sex\n1,male\n2,female\n", encoding="utf-8")
    for sig, rc in ((signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)):
        out = tmp_path / "out.csv"
        out.write_text("old\n", encoding="utf-8")
        # a shell's background job inherits SIGINT ignored (Python then never raises KeyboardInterrupt):
        # the child restores the default handler, as a terminal run has it
        code = ("import os, signal, sys, solver.tables as T\n"
                "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
                "orig = T._write\n"
                "def write(tmp, suffix, rows):\n"
                "    orig(tmp, suffix, rows)\n"
                f"    os.kill(os.getpid(), {int(sig)})\n"
                "T._write = write\n"
                "import cli\n"
                f"sys.exit(cli.main(['batch', {str(table)!r}, '--output', {str(out)!r}]))\n")
        r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
        assert r.returncode == rc, (sig, r.returncode, r.stderr[-2000:])
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
        assert out.read_text(encoding="utf-8") == "old\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "people.csv"]
