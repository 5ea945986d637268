"""What the endpoints compute, through the facade (``solver.app.App``): a profile as request text in,
dicts out.

The HTTP layer (``solver.service.app``) only parses parameters, bounds time and size, and maps
``InputError`` to a 4xx answer. Every function here runs in a worker thread: the Datalog backend keeps
one engine per thread (``solver.backends.datalog``), so concurrent requests never share a rule base.
"""

from __future__ import annotations

import datetime as dt

from policy.errors import InputError
from policy.i18n import fact_label, say, status_text
from solver.app import App, ProfileText

PROFILE_NAME = "profile.json"  # how errors name the request body


def _profile(body: str) -> ProfileText:
    return ProfileText(body, PROFILE_NAME)


def _decision(app: App, d, lang: str) -> dict:
    """A decision as the CLI's JSON, with the words a page shows in ``lang`` beside it."""
    from solver.render.explain import decision_json
    from solver.render.leaf import actual_text, required_text
    policy = app.policy
    out = decision_json(d)
    out["status_text"] = status_text(d.status, lang)
    j = d.jurisdiction
    out["jurisdiction"]["name_text"] = j.name[lang]
    # decision_json lists d.clause_results() and each one's all_leaves in order: the words come from there
    for c, cr in zip(out["clauses"], d.clause_results(), strict=True):
        c["title"] = cr.clause.title[lang] if cr.clause.title else c["id"]
        for lf, leaf in zip(c["leaves"], cr.all_leaves, strict=True):
            lf["actual_shown"] = say(actual_text(policy, leaf), lang)
            lf["required_shown"] = say(required_text(policy, leaf), lang)
            lf["label"] = ", ".join(fact_label(policy.vocabulary.spec(n), n, lang) for n in leaf.facts)
    for p in out["pathways"]:
        p["title_text"] = p["title"][lang] if isinstance(p.get("title"), dict) else p.get("title")
    out["warnings_text"] = [say(w, lang) for w in d.warnings]
    return out


def check(app: App, body: str, district: str | None = None, date: dt.date | None = None,
          lenient: bool = False, lang: str = "en", explain: bool = False) -> dict | list:
    r = app.check(_profile(body), district, date, lenient=lenient, explain=explain)
    data = r.as_dict()
    items = data if r.many else [data]
    for item, d in zip(items, r.decisions):
        item.update(_decision(app, d, lang))  # the same keys, and the words in ``lang`` beside them
        item["next_questions_text"] = [q.text(lang) for q in r.questions[:r.QUESTIONS_SHOWN]]
        if d.jurisdiction.id in r.missing:
            item["missing_text"] = r.missing[d.jurisdiction.id].render(lang)
    return data


def missing(app: App, body: str, district: str | None, date: dt.date | None, keep: list[str],
            allow: list[str], top: int, lenient: bool, lang: str) -> dict | list:
    if top < 1:
        raise InputError("top must be at least 1", field="top")
    r = app.missing(_profile(body), district, date, keep=keep, allow=allow, top=top, lenient=lenient)
    data = [x.as_dict() | {"text": x.render(lang)} for x in r.results]
    return data if r.many else data[0]


def compare(app: App, districts: str, topic: str | None, date: dt.date | None, lang: str) -> dict:
    c = app.compare(districts, topic, date)
    return c.as_dict() | {"text": c.render(lang)}


def conflicts(app: App, districts: str | None, topic: str | None, date: dt.date | None, lang: str,
              procedures: bool = True) -> dict:
    r = app.conflicts(districts or "all", topic, date, procedures=procedures)
    return r.as_dict() | {"text": "\n".join(r.render(lang))}


def deadlines(app: App, body: str | None, district: str | None, expiry: dt.date | None,
              left_employer: dt.date | None, lang: str) -> dict:
    profile = _profile(body) if body and body.strip() else None
    r = app.deadlines(profile, district or "all", expiry, left_employer)
    return r.as_dict() | {"text": "\n".join(r.render(lang))}


def materials(app: App, body: str, district: str | None, business: str | None, pathway: str | None,
              date: dt.date | None, lang: str) -> dict:
    c = app.materials(_profile(body), district, business, pathway, date)
    return c.as_dict() | {"text": c.render(lang)}


def jurisdictions(app: App, lang: str) -> list[dict]:
    out = []
    for jid, versions in app.policy.jurisdictions.items():
        out.append({"id": jid, "name": versions[-1].name, "name_text": versions[-1].name[lang],
                    "versions": [{"document": v.document, "issuer": v.issuer,
                                  "in_force_from": v.in_force_from.isoformat() if v.in_force_from else None,
                                  "in_force_to": v.in_force_to.isoformat() if v.in_force_to else None,
                                  "sources": list(v.sources), "clauses": len(v.clauses()),
                                  "pathways": [p.id for p in v.pathways]} for v in versions]})
    return out


def _table(app: App, raw: bytes, suffix: str, district: str | None, date: dt.date | None, lenient: bool,
           lang: str, name: str | None = None):
    """An uploaded table (CSV / XLSX) decided by the facade's ``batch_table`` on a temporary copy (a row
    it cannot read is an ``error`` row, as in `wrp batch`); errors name the upload (``name``, its file
    name), never the temporary copy."""
    import tempfile
    from pathlib import Path
    name = Path(name).name if name else f"upload{suffix}"
    # not UTF-8, a cell past csv's field limit …: named by the table reader at line:col of the upload
    with tempfile.TemporaryDirectory(prefix="wrp-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(raw)
        try:
            return app.batch_table([str(path)], district, date, lenient, lang=lang)
        except InputError as exc:  # name the upload, not the temporary file it was saved to
            if exc.file != str(path):
                raise
            raise InputError(exc.message, file=name, line=exc.line, col=exc.col, field=exc.field) from None


def batch_table(app: App, raw: bytes, suffix: str, district: str | None, date: dt.date | None,
                lenient: bool, lang: str, name: str | None = None) -> list[dict]:
    """One row per applicant and district, as JSON objects."""
    return _table(app, raw, suffix, district, date, lenient, lang, name).as_dict()


def batch_csv(app: App, raw: bytes, suffix: str, district: str | None, date: dt.date | None,
              lenient: bool, lang: str, name: str | None = None) -> str:
    """The same rows as a CSV table (the columns of `wrp batch`)."""
    return _table(app, raw, suffix, district, date, lenient, lang, name).to_csv()
