"""The consistency properties ``wrp verify`` checks, read as strictly as every other policy file.

A properties file (``policy/properties.yaml`` or ``verify --properties FILE``) is::

    properties:
      - {id: monotone_income_12m, kind: monotone, jurisdiction: all, fact: applicant.income.monthly_avg_12m,
         direction: up}
      - {id: chaoyang_within_city_rule, kind: at_least_as_strict, jurisdiction: chaoyang, than: beijing}
      - {id: xicheng_within_city_rule, kind: subsumes, a: xicheng, b: beijing}
      - {id: pathways_reachable, kind: pathways_reachable, jurisdiction: all}

Each kind has its own keys (unknown keys, missing keys, nulls, wrong types and a second property
with the same id are ``InputError``s at ``file:line:col``); a ``monotone`` fact must be a declared
fact with an order (a number, a list of amounts, yes/no or an ordered choice).

Example:
    >>> from policy.load import load_policy
    >>> ps = load_properties(PROPERTIES, load_policy())
    >>> ps[0].kind, ps[0].fact
    ('monotone', 'applicant.income.monthly_avg_12m')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policy.errors import shown
from policy.load import POLICY_DIR
from policy.reader import DOCUMENT, IDENT, Reader
from policy.yamlio import err, read_yaml

PROPERTIES = POLICY_DIR / "properties.yaml"
KINDS = {
    "monotone": ({"fact"}, {"jurisdiction", "direction"}),
    "at_least_as_strict": ({"jurisdiction", "than"}, set()),
    "subsumes": ({"a", "b"}, set()),
    "pathways_reachable": (set(), {"jurisdiction"}),
    "no_contradictions": (set(), {"jurisdiction"}),
}


@dataclass(frozen=True)
class Property:
    id: str
    kind: str
    jurisdiction: str | None = None
    fact: str | None = None
    direction: str = "up"
    than: str | None = None
    note: str | None = None


def load_properties(path: Path | str = PROPERTIES, policy=None) -> list[Property]:
    """The properties of ``path``; with ``policy``, monotone facts are checked against its vocabulary."""
    path = Path(path)
    top = Reader(path, read_yaml(path), "a properties file", {"properties"}, {"properties"}, at=DOCUMENT)
    out: list[Property] = []
    seen: set[str] = set()
    seq = top.list("properties", required=True)
    for i, node in enumerate(seq):
        kind = node.get("kind") if hasattr(node, "get") else None
        if kind not in KINDS:
            Reader(path, node, "a property", {"id", "kind", "note", *{k for r, o in KINDS.values() for k in r | o}},
                   {"id", "kind"}, at=(seq, i))
            raise err(f"unknown kind `{shown(kind, 60)}`; kinds: {', '.join(KINDS)}", path, node, "kind", field="kind")
        required, optional = KINDS[kind]
        r = Reader(path, node, f"a `{kind}` property", {"id", "kind", "note", *required, *optional},
                   {"id", "kind", *required})
        pid = r.ident("id")
        if pid in seen:
            raise r.err("id", f"a second property with the id `{pid}`")
        seen.add(pid)
        jur = {k: r.ident(k) for k in ("jurisdiction", "than", "a", "b") if k in r}
        if kind == "monotone":
            fact = r.str("fact")
            if policy is not None:
                spec = policy.vocabulary.facts.get(fact)
                if spec is None:
                    raise r.err("fact", f"unknown fact `{shown(fact, 80)}` (not in the vocabulary)")
                if spec.type == "date" or (spec.type == "enum" and not spec.ordered):
                    raise r.err("fact", f"`{fact}` has no order (a {spec.type}); monotone needs a number, a list "
                                        "of amounts, yes/no or an ordered choice")
            direction = r.str("direction", "up")
            if direction not in ("up", "down"):
                raise r.err("direction", "`direction` is `up` or `down`")
            out.append(Property(pid, kind, jur.get("jurisdiction", "all"), fact, direction, note=r.str("note")))
        elif kind == "subsumes":
            out.append(Property(pid, kind, jur["a"], than=jur["b"], note=r.str("note")))
        else:
            out.append(Property(pid, kind, jur.get("jurisdiction", "all"), than=jur.get("than"), note=r.str("note")))
    return out


__all__ = ["Property", "load_properties", "PROPERTIES", "KINDS", "IDENT"]
