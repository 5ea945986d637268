"""The HTTP service: FastAPI over ``solver.service.engine``, with bounds on size and time.

- A profile is the request body, as JSON (or YAML); options are query parameters, as on the CLI.
- Bad input is HTTP 400 (413 when too large) with the CLI's one-line message, the field as a JSON
  pointer into the body (``/applicant/degree``) or the query parameter it came from; never a traceback.
- Solver work runs in a bounded pool of worker threads (each its own Datalog engine); a request that
  takes longer than the time budget gets 503 and the server keeps serving the others.
- ``?lang=zh`` gives the texts in Chinese (quotes are always the original Chinese).
- ``/openapi.json`` describes every endpoint; the interactive documentation at ``/docs`` is a page
  shipped with the package (no CDN), and ``/`` is the caseworker page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from policy.errors import InputError
from policy.yamlio import read_yaml
from solver.render.json import Encoder
from solver.service import engine

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = int(os.environ.get("WRP_SERVE_MAX_BODY", 256 * 1024))  # bytes of a JSON request
MAX_UPLOAD = int(os.environ.get("WRP_SERVE_MAX_UPLOAD", 8 * 1024 * 1024))  # bytes of a batch upload
TIMEOUT = float(os.environ.get("WRP_SERVE_TIMEOUT", 30))  # seconds of solver time per request
WORKERS = int(os.environ.get("WRP_SERVE_WORKERS", 4))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROFILE_BODY = {"requestBody": {"required": True, "description": "the profile (docs/profile.md); JSON, or YAML",
                                "content": {"application/json": {"schema": {"$ref": "/api/schemas/profile"}},
                                            "application/yaml": {"schema": {"type": "string"}}}}}
OPTIONAL_PROFILE = {"requestBody": {**PROFILE_BODY["requestBody"], "required": False}}


class TooLarge(Exception):
    pass


class Overtime(Exception):
    pass


class Unsupported(Exception):
    """A request body of a kind the endpoint does not read (415)."""


def pointer(field: str | None) -> str | None:
    """``applicant.income.annual_last_3_years[1]`` → ``/applicant/income/annual_last_3_years/1``."""
    if not field:
        return None
    return "/" + field.replace("[", ".").replace("]", "").replace(".", "/")


def error_body(exc: InputError, lang: str = "en") -> dict:
    """The JSON of a 400: the one-line message (in ``lang`` where it has a Chinese wording), the field as
    a JSON pointer into the body, or the query parameter."""
    from policy.i18n import say
    in_body = exc.file == engine.PROFILE_NAME
    param = None if in_body or not exc.field else exc.field.lstrip("-").replace("-", "_")
    shown = exc.text(lang) if in_body or not param else f"`{param}`: {say(exc.message, lang)}"
    return {"error": shown, "message": say(exc.message, lang), "pointer": pointer(exc.field) if in_body else None,
            "parameter": param, "line": exc.line, "col": exc.col}


def _date(name: str, s: str | None) -> dt.date | None:
    if s is None or s == "":
        return None
    from policy.reader import bilingual, parse_date  # the one date reader: YYYY-MM-DD within wrp's calendar
    try:
        return parse_date(s)
    except ValueError as exc:
        raise InputError(bilingual(str(exc)), field=name) from None


def _lang(s: str | None) -> str:
    if s in (None, ""):
        return "en"
    if s not in ("zh", "en"):
        raise InputError(f"`{s}` is not a language; use zh or en", field="lang")
    return s


def _csv(s: str | None) -> list[str]:
    return [x.strip() for x in (s or "").split(",") if x.strip()]


def _int(name: str, s: str | None, default: int) -> int:
    if s in (None, ""):
        return default
    try:
        return int(s)
    except ValueError:
        raise InputError(f"`{s}` is not a whole number", field=name) from None


def _bool(name: str, s: str | None) -> bool:
    if s in (None, "", "0", "false", "no"):
        return False
    if s in ("1", "true", "yes"):
        return True
    raise InputError(f"`{s}` is not true or false", field=name)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _json_error(text: str) -> InputError | None:
    """The JSON reader's message for ``text`` (``None`` if it is valid JSON), as an ``InputError`` with
    the line and column; what JSON allows but a profile does not (a duplicate key) is named as JSON too."""
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        return InputError(f"invalid JSON: {e.msg}", file=engine.PROFILE_NAME, line=e.lineno, col=e.colno)
    except RecursionError:
        return InputError("invalid JSON: nested too deeply to be a profile", file=engine.PROFILE_NAME)
    try:
        read_yaml(engine.PROFILE_NAME, text)
    except InputError as e:
        if e.message.startswith("invalid YAML: "):
            return InputError("invalid JSON: " + e.message.removeprefix("invalid YAML: "), file=e.file,
                              line=e.line, col=e.col)
    return None


async def body_text(request: Request) -> str:
    """The request body as text: JSON (or YAML). A body with a JSON content type, or one that starts like
    JSON (``{`` or ``[``) whatever its content type (``curl -d`` sends form encoding), is judged as JSON:
    its syntax errors are named as JSON with the line and column. A form upload is refused."""
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/"):
        raise Unsupported("send the profile itself as the request body (JSON, content type application/json), "
                          "not as a multipart form upload")
    raw = await read_body(request, MAX_BODY)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the request body is not UTF-8 text", file=engine.PROFILE_NAME) from None
    if not text.strip():
        return text
    looks_json = text.lstrip()[:1] in ("{", "[")
    if "json" in ctype:
        err = _json_error(text)
        if err is not None:
            raise err
    elif looks_json:  # no JSON content type: YAML flow syntax is still accepted, else JSON's message
        err = _json_error(text)
        if err is not None:
            try:
                read_yaml(engine.PROFILE_NAME, text)
            except InputError:
                raise err from None
    return text


def create_app(app=None, timeout: float | None = None, workers: int | None = None) -> FastAPI:
    """The service over the facade ``app`` (default: ``solver.app.App()``, the shipped rules, loaded once)."""
    from solver.app import App
    facade = app or App()
    _ = facade.policy  # load the rules now, not in the first request
    budget = TIMEOUT if timeout is None else timeout
    pool = ThreadPoolExecutor(max_workers=workers or WORKERS, thread_name_prefix="wrp-solver")
    api = FastAPI(title="wrp", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Beijing Work Residence Permit (北京市工作居住证) rules as data: eligibility with its "
                              "proof, the cheapest fix, conflicts between districts, deadlines and materials. "
                              "A profile is the request body (JSON; see /api/schemas/profile).")
    api.state.app = facade
    api.state.pool = pool

    def answer(fn, *args, **kwargs) -> bytes:
        # serialised in the worker too: the event loop only moves bytes
        return json.dumps(fn(facade, *args, **kwargs), ensure_ascii=False, cls=Encoder).encode("utf-8")

    async def run(fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(pool, partial(answer, fn, *args, **kwargs))
        try:
            return Response(await asyncio.wait_for(fut, budget), media_type="application/json")
        except TimeoutError:
            raise Overtime() from None

    @api.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):
        lang = request.query_params.get("lang")
        return JSONResponse(error_body(exc, lang if lang in ("zh", "en") else "en"), status_code=400)

    @api.exception_handler(TooLarge)
    async def _too_large(request: Request, exc: TooLarge):
        limit = MAX_UPLOAD if request.url.path.endswith("/batch") else MAX_BODY
        return JSONResponse({"error": f"the request body is larger than {limit:,} bytes", "pointer": None,
                             "parameter": None}, status_code=413)

    @api.exception_handler(Unsupported)
    async def _unsupported(request: Request, exc: Unsupported):
        return JSONResponse({"error": str(exc), "pointer": None, "parameter": None}, status_code=415)

    @api.exception_handler(Overtime)
    async def _overtime(request: Request, exc: Overtime):
        return JSONResponse({"error": f"the solver did not finish within {budget:g} s; try a narrower question "
                                      "(one district, one topic) or later", "pointer": None, "parameter": None},
                            status_code=503, headers={"Retry-After": "5"})

    @api.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        e = exc.errors()[0] if exc.errors() else {}
        loc = [str(x) for x in e.get("loc", ())]
        return JSONResponse({"error": f"`{'.'.join(loc[1:]) or 'request'}`: {e.get('msg', 'invalid request')}",
                             "pointer": None, "parameter": loc[-1] if loc else None}, status_code=400)

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail), "pointer": None, "parameter": None},
                            status_code=exc.status_code)

    @api.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):  # one line, never a traceback
        return JSONResponse({"error": f"internal error: {exc.__class__.__name__}: {exc}", "pointer": None,
                             "parameter": None}, status_code=500)

    # --- pages -----------------------------------------------------------------------------------

    page = (STATIC / "index.html").read_text(encoding="utf-8")
    docs = (STATIC / "docs.html").read_text(encoding="utf-8")

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index():
        return HTMLResponse(page, headers={"Content-Security-Policy": "default-src 'self'; "
                                           "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"})

    @api.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def api_docs():
        return HTMLResponse(docs)

    # --- JSON ------------------------------------------------------------------------------------

    @api.post("/api/check", summary="Is this applicant eligible? (status, failed clauses, unknown facts, next questions)",
              openapi_extra=PROFILE_BODY)
    async def check(request: Request, district: str | None = None, date: str | None = None,
                    lenient: str | None = None, lang: str | None = None):
        body = await body_text(request)
        return await run(engine.check, body, district, _date("date", date), _bool("lenient", lenient), _lang(lang))

    @api.post("/api/explain", summary="The full proof with citations, and the cheapest fix when ineligible",
              openapi_extra=PROFILE_BODY)
    async def explain(request: Request, district: str | None = None, date: str | None = None,
                      lenient: str | None = None, lang: str | None = None):
        body = await body_text(request)
        return await run(engine.check, body, district, _date("date", date), _bool("lenient", lenient), _lang(lang),
                         explain=True)

    @api.post("/api/missing", summary="The cheapest change that makes the applicant eligible",
              openapi_extra=PROFILE_BODY)
    async def missing(request: Request, district: str | None = None, date: str | None = None,
                      keep: str | None = None, allow: str | None = None, top: str | None = None,
                      lenient: str | None = None, lang: str | None = None):
        body = await body_text(request)
        return await run(engine.missing, body, district, _date("date", date), _csv(keep), _csv(allow),
                         _int("top", top, 3), _bool("lenient", lenient), _lang(lang))

    @api.get("/api/compare", summary="Jurisdictions side by side, by topic")
    async def compare(districts: str = "all", topic: str | None = None, date: str | None = None,
                      lang: str | None = None):
        return await run(engine.compare, districts, topic, _date("date", date), _lang(lang))

    @api.get("/api/conflicts", summary="Where jurisdictions disagree, with witness applicants")
    async def conflicts(districts: str = "all", topic: str | None = None, date: str | None = None,
                        procedures: str | None = "true", lang: str | None = None):
        return await run(engine.conflicts, districts, topic, _date("date", date), _lang(lang),
                         _bool("procedures", procedures))

    @api.post("/api/deadlines", summary="Renewal and employer-change timeline (profile body optional)",
              openapi_extra=OPTIONAL_PROFILE)
    async def deadlines(request: Request, district: str | None = None, expiry: str | None = None,
                        left_employer: str | None = None, lang: str | None = None):
        body = await body_text(request)
        return await run(engine.deadlines, body, district, _date("expiry", expiry),
                         _date("left_employer", left_employer), _lang(lang))

    @api.post("/api/materials", summary="The checklist of documents for this applicant",
              openapi_extra=PROFILE_BODY)
    async def materials(request: Request, district: str | None = None, business: str | None = None,
                        pathway: str | None = None, date: str | None = None, lang: str | None = None):
        body = await body_text(request)
        return await run(engine.materials, body, district, business, pathway, _date("date", date), _lang(lang))

    @api.get("/api/jurisdictions", summary="The encoded jurisdictions and their versions")
    async def jurisdictions(lang: str | None = None):
        return engine.jurisdictions(facade, _lang(lang))

    @api.get("/api/schemas", summary="The JSON Schemas shipped with wrp")
    async def schemas():
        from policy.schema import NAMES
        return {"schemas": [{"name": n, "url": f"/api/schemas/{n}"} for n in NAMES]}

    @api.get("/api/schemas/{name}", summary="One JSON Schema: profile, jurisdiction or procedure")
    async def schema(name: str):
        from policy.schema import NAMES, shipped
        if name not in NAMES:
            raise InputError(f"unknown schema `{name}`; schemas: {', '.join(NAMES)}", field="name")
        return shipped(name)

    @api.post("/api/batch", summary="Check a table of applicants: a CSV or XLSX file as the body (or a form "
              "upload); one row per applicant and district, as JSON or (format=csv) as CSV",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "text/csv": {"schema": {"type": "string"}},
                  XLSX: {"schema": {"type": "string", "format": "binary"}},
                  "multipart/form-data": {"schema": {"type": "object", "properties": {
                      "file": {"type": "string", "format": "binary"}}}}}}})
    async def batch(request: Request, filename: str | None = None, district: str | None = None,
                    date: str | None = None, lenient: str | None = None, lang: str | None = None,
                    format: str | None = None):
        fmt = format or "json"
        if fmt not in ("json", "csv"):
            raise InputError(f"`{fmt}` is not an output format; use json or csv", field="format")
        ctype = request.headers.get("content-type", "").lower()
        raw = await read_body(request, MAX_UPLOAD)
        if ctype.startswith("multipart/form-data"):  # curl -F file=@staff.csv, or a browser form
            request._body = raw  # starlette reads the form from the body already read (and bounded)
            form = await request.form()
            files = [v for v in form.values() if hasattr(v, "filename") and hasattr(v, "read")]
            if len(files) != 1:
                raise InputError(f"the form upload has {len(files)} files; send one CSV or XLSX file",
                                 field="file")
            filename = filename or files[0].filename or "upload.csv"
            raw = await files[0].read()
        elif filename is None:
            filename = "upload.xlsx" if XLSX in ctype else "upload.csv"
        suffix = Path(filename).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise InputError(f"`{filename}` is not a .csv or .xlsx file", field="filename")
        args = (raw, suffix, district, _date("date", date), _bool("lenient", lenient), _lang(lang), filename)
        if fmt == "json":
            return await run(engine.batch_table, *args)
        loop = asyncio.get_running_loop()
        try:
            text = await asyncio.wait_for(loop.run_in_executor(pool, partial(engine.batch_csv, facade, *args)), budget)
        except TimeoutError:
            raise Overtime() from None
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="wrp-batch.csv"'})

    return api


__all__ = ["create_app", "pointer", "error_body", "MAX_BODY", "TIMEOUT"]
