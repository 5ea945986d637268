"""What the endpoints compute, on plain data: a profile as JSON text in, dicts out.

The HTTP layer (``solver.service.app``) only parses parameters, bounds time and size, and maps
``InputError`` to a 4xx answer. Every function here runs in a worker thread: the Datalog backend keeps
one engine per thread (``solver.datalog``), so concurrent requests never share a rule base.
"""

from __future__ import annotations

import datetime as dt

from policy.errors import InputError
from policy.i18n import say, status_text
from policy.load import Policy
from policy.yamlio import read_yaml
from solver.facts import Facts

PROFILE_NAME = "profile.json"  # how errors name the request body


def facts_of(policy: Policy, body: str, date: dt.date | None = None) -> Facts:
    """The request body (a profile as JSON, or YAML) → facts; errors carry line:col and field."""
    from solver.procedure_facts import procedure_facts_from_dict
    if not body.strip():
        raise InputError("the request body is empty; send a profile as JSON (see /api/schemas/profile)",
                         file=PROFILE_NAME)
    data = read_yaml(PROFILE_NAME, text=body)
    return procedure_facts_from_dict(data, policy, date=date, file=PROFILE_NAME)


def _districts(policy: Policy, facts: Facts, district: str | None) -> list[str]:
    import cli
    return cli.districts_for(policy, facts, district)


def _decision(policy: Policy, d, lang: str) -> dict:
    from solver.explain import decision_json
    out = decision_json(d) | {k: v for k, v in d.extra.items() if not k.endswith("_text")}
    out["status_text"] = status_text(d.status, lang)
    j = d.jurisdiction
    out["jurisdiction"]["name_text"] = j.name[lang]
    titles = {c.id: c.title for c in j.clauses()}
    for c in out["clauses"]:
        c["title"] = titles[c["id"]][lang] if titles.get(c["id"]) else c["id"]
        for lf in c["leaves"]:
            names = lf["fact"] if isinstance(lf["fact"], list) else [lf["fact"]]
            lf["label"] = ", ".join(policy.vocabulary.spec(n).label[lang] + n[len(policy.vocabulary.spec(n).name):]
                                    for n in names)
    for p in out["pathways"]:
        p["title_text"] = p["title"][lang] if isinstance(p.get("title"), dict) else p.get("title")
    out["warnings_text"] = [say(w, lang) for w in d.warnings]
    return out


def check(policy: Policy, body: str, district: str | None = None, date: dt.date | None = None,
          lenient: bool = False, lang: str = "en", explain: bool = False) -> dict | list:
    from solver import questions
    from solver.decide import decide
    facts = facts_of(policy, body, date)
    ids = _districts(policy, facts, district)
    decisions = [decide(policy, j, facts, lenient=lenient) for j in ids]
    qs = questions.attach(policy, facts, decisions, lenient=lenient, lang=lang)
    if explain:
        from solver.missing import missing
        for d in decisions:
            if d.status == "ineligible":
                r = missing(policy, d.jurisdiction.id, d.facts, top=1, lenient=d.lenient)
                d.extra["missing"] = r.as_dict()
                d.extra["missing_text"] = r.render(lang)
    data = []
    for d in decisions:
        item = _decision(policy, d, lang)
        item["next_questions_text"] = [q.text(lang) for q in qs[:10]]
        if "missing_text" in d.extra:
            item["missing_text"] = d.extra["missing_text"]
        data.append(item)
    return data if district == "all" else data[0]


def missing(policy: Policy, body: str, district: str | None, date: dt.date | None, keep: list[str],
            allow: list[str], top: int, lenient: bool, lang: str) -> dict | list:
    from solver.missing import missing as run
    if top < 1:
        raise InputError("top must be at least 1", field="top")
    facts = facts_of(policy, body, date)
    results = [run(policy, j, facts, keep=keep, allow=allow, top=top, lenient=lenient)
               for j in _districts(policy, facts, district)]
    data = [r.as_dict() | {"text": r.render(lang)} for r in results]
    return data if district == "all" else data[0]


def jids(policy: Policy, spec: str | None) -> list[str]:
    from solver import commands
    return commands._jids(policy, spec or "all")


def compare(policy: Policy, districts: str, topic: str | None, date: dt.date | None, lang: str) -> dict:
    from solver.compare import compare as run
    ids = jids(policy, districts)
    if len(ids) < 2:
        raise InputError("compare needs at least two jurisdictions", field="districts")
    _topic(policy, topic)
    c = run(policy, ids, topic=topic, date=date)
    return c.as_dict() | {"text": c.render(lang)}


def _topic(policy: Policy, topic: str | None) -> None:
    if topic and topic not in policy.vocabulary.topics:
        raise InputError(f"unknown topic `{topic}`; topics: {', '.join(policy.vocabulary.topics)}", field="topic")


def conflicts(policy: Policy, districts: str | None, topic: str | None, date: dt.date | None, lang: str,
              procedures: bool = True) -> dict:
    from solver.conflicts import conflicts as run
    ids = jids(policy, districts)
    _topic(policy, topic)
    res = run(policy, ids, topic=topic, date=date)
    data = res.as_dict()
    data["text"] = res.render(lang)
    if procedures and not topic:
        from solver.procedural_conflicts import procedural_conflicts
        data["procedural"] = [c.as_dict() for c in procedural_conflicts(policy, ids)]
    return data


def deadlines(policy: Policy, body: str | None, district: str | None, expiry: dt.date | None,
              left_employer: dt.date | None, lang: str) -> dict:
    from solver.deadlines import deadlines as run
    facts = facts_of(policy, body) if body and body.strip() else None
    ids = None if not district or district == "all" else jids(policy, district)
    t = run(policy, ids, expiry=expiry, left_employer=left_employer, facts=facts)
    return t.as_dict() | {"text": t.render(lang)}


def materials(policy: Policy, body: str, district: str | None, business: str | None, pathway: str | None,
              date: dt.date | None, lang: str) -> dict:
    from solver.materials import materials as run
    facts = facts_of(policy, body, date)
    if district == "all":
        raise InputError("materials are listed for one jurisdiction; give district=D", field="district")
    jid = _districts(policy, facts, district)[0]
    if business is None:
        stated = facts.stated.get("application.business")
        business = str(stated) if stated else "new"
    c = run(policy, jid, facts, business=business, pathway=pathway)
    return c.as_dict() | {"text": c.render(lang)}


def jurisdictions(policy: Policy, lang: str) -> list[dict]:
    out = []
    for jid, versions in policy.jurisdictions.items():
        out.append({"id": jid, "name": versions[-1].name, "name_text": versions[-1].name[lang],
                    "versions": [{"document": v.document, "issuer": v.issuer,
                                  "in_force_from": v.in_force_from.isoformat() if v.in_force_from else None,
                                  "in_force_to": v.in_force_to.isoformat() if v.in_force_to else None,
                                  "sources": list(v.sources), "clauses": len(v.clauses()),
                                  "pathways": [p.id for p in v.pathways]} for v in versions]})
    return out
