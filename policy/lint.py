"""`wrp lint`: load every policy file strictly and report what a maintainer should look at."""

from __future__ import annotations

from pathlib import Path

from policy.expr import facts_of
from policy.i18n import Msg
from policy.load import POLICY_DIR, load_policy_from
from policy.model import DERIVED_FROM
from policy.yamlio import path_kind


def lint(files: list[str] | None = None, rules: str | None = None) -> dict:
    """Load the shipped policy plus ``files`` (extra jurisdiction YAML), or the rules pack ``rules``
    (policy/pack.py); raise ``InputError`` on the first error, otherwise return a summary and warnings."""
    if rules is not None:
        from policy.pack import load_pack
        return _summary(load_pack(rules), extra_files=[Path(f) for f in files or []])
    extra = [Path(f) for f in files or []]
    for f in extra:
        if path_kind(f) == "missing":
            from policy.errors import InputError
            raise InputError("no such file", file=str(f))
    jdir = POLICY_DIR / "jurisdictions"
    shipped = {p.name: p for p in jdir.glob("*.yaml")}
    # a given file replaces the shipped file of the same name (a maintainer's modified copy)
    for f in extra:
        shipped.pop(f.name, None) if f.resolve() != shipped.get(f.name, f).resolve() else None
    extra = [f for f in extra if f.resolve() not in {p.resolve() for p in shipped.values()}]
    return _summary(load_policy_from(None, [*sorted(shipped.values()), *extra]))


def _summary(policy, extra_files: list[Path] = ()) -> dict:
    if extra_files:
        from policy.errors import InputError
        raise InputError("give either files or --rules DIR: a pack's files are in its jurisdictions/",
                         file=str(extra_files[0]))
    used: set[str] = set()
    out = {"jurisdictions": [], "warnings": []}
    for versions in policy.jurisdictions.values():
        for j in versions:
            clauses = j.clauses()
            for c in clauses:
                used |= {f.split("[", 1)[0] for f in facts_of(c.when)}
            out["jurisdictions"].append({
                "id": j.id, "file": Path(j.file).name, "clauses": len(clauses), "pathways": len(j.pathways),
                "in_force_from": j.in_force_from.isoformat() if j.in_force_from else None,
                "notes": sum(1 for c in clauses if c.note), "in_principle": sum(c.strength == "in_principle" for c in clauses)})
            if j.in_force_from is None:
                out["warnings"].append(Msg(f"{j.id}: no in-force date; the rules are applied at any date",
                                           f"{j.id}：没有施行日期；任何日期都适用这些规定"))
    for derived, inputs in DERIVED_FROM.items():
        if derived in used:
            used |= set(inputs)
    from policy.procedures import load_procedures
    procs = load_procedures(policy)
    out["procedures"] = [{"id": jid, "file": Path(p.file).name, "businesses": len(p.businesses),
                          "clauses": len(p.clauses())} for jid, p in procs.by_jurisdiction.items()]
    for jid in policy.jurisdictions:
        if jid not in procs.by_jurisdiction:
            where = "policy" if policy.pack is None or policy.pack.shipped else str(policy.pack.root)
            out["warnings"].append(Msg(f"{jid}: no procedure file ({where}/procedures/{jid}.yaml)",
                                       f"{jid}：没有办理程序文件（{where}/procedures/{jid}.yaml）"))
    unused = [n for n, s in policy.vocabulary.facts.items()
              if n not in used and not s.derived and n.split(".")[0] != "application"]
    if unused:
        out["warnings"].append(Msg("facts no eligibility clause uses (procedures or materials may): " + ", ".join(unused),
                                   "资格条款未使用的事实（办理程序或材料可能使用）：" + ", ".join(unused)))
    return out
