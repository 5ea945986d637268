"""Rules packs: a directory laid out like the package's own policy data.

The shipped rules (``policy/``) are one pack; ``--rules DIR`` names another. The layout::

    DIR/
      pack.yaml            optional: {name: ..., extends: shipped, note: ...}
      jurisdictions/*.yaml one file per jurisdiction and version (at least one)
      procedures/*.yaml    optional: procedure files (business types, deadlines, materials)
      sources/*.txt        optional: source texts; quotes are checked against these and the shipped ones
      vocabulary.yaml      optional: facts (and constraints) ADDED to the shipped vocabulary
      topics.yaml          optional: topics added to the shipped ones
      params/*.yaml        optional: wage.yaml, districts.yaml, retirement.yaml replace the shipped file
      tests/*.yaml         optional: test cases for `wrp test` (docs/authoring.md)

With ``extends: shipped`` the shipped jurisdictions and procedures are part of the pack, and a pack
file with the same name as a shipped one replaces it (a maintainer's revised ``changping.yaml``);
without it the pack's jurisdictions are the only ones. A pack never changes what a shipped fact,
topic or source means: redefining one is an error that names the pack's file.

A bare directory of jurisdiction files (no ``jurisdictions/``) is read as a pack with only
``jurisdictions/``.

Example:
    >>> p = open_pack(POLICY_DIR)
    >>> p.shipped, [f.name for f in p.jurisdiction_files()][:2]
    (True, ['beijing.yaml', 'changping.yaml'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from policy.errors import InputError
from policy.load import POLICY_DIR, Policy, Reader, load_jurisdiction, load_params, load_sources, load_vocabulary
from policy.yamlio import read_yaml

PARAM_FILES = ("wage.yaml", "districts.yaml", "retirement.yaml")
TOP_FILES = ("pack.yaml", "vocabulary.yaml", "topics.yaml")
TOP_DIRS = ("jurisdictions", "procedures", "sources", "params", "tests")


@dataclass
class Pack:
    """Where a pack's files are; nothing is parsed but the manifest."""

    root: Path
    shipped: bool = False
    name: str = ""
    extends: bool = False  # the shipped jurisdictions and procedures are included
    jurisdictions: list[Path] = field(default_factory=list)
    procedures: list[Path] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    vocabulary: Path | None = None
    topics: Path | None = None
    params: dict[str, Path] = field(default_factory=dict)
    tests: list[Path] = field(default_factory=list)

    def _with_shipped(self, own: list[Path], kind: str) -> list[Path]:
        if self.shipped or not self.extends:
            return list(own)
        names = {p.name for p in own}
        return [*(p for p in sorted((POLICY_DIR / kind).glob("*.yaml")) if p.name not in names), *own]

    def jurisdiction_files(self) -> list[Path]:
        return self._with_shipped(self.jurisdictions, "jurisdictions")

    def procedure_files(self) -> list[Path]:
        return self._with_shipped(self.procedures, "procedures")

    def test_files(self) -> list[Path]:
        return list(self.tests)


def open_pack(root: Path | str) -> Pack:
    """The files of the pack at ``root``; an ``InputError`` naming the file for anything out of place."""
    root = Path(root)
    if not root.is_dir():
        raise InputError("not a directory of jurisdiction YAML files (a rules pack)", file=str(root), field="--rules")
    if root.resolve() == POLICY_DIR:
        return Pack(root=POLICY_DIR, shipped=True, name="shipped",
                    jurisdictions=sorted((POLICY_DIR / "jurisdictions").glob("*.yaml")),
                    procedures=sorted((POLICY_DIR / "procedures").glob("*.yaml")),
                    sources=sorted((POLICY_DIR / "sources").glob("*.txt")),
                    tests=sorted((POLICY_DIR / "tests").glob("*.yaml")))
    if not (root / "jurisdictions").is_dir():
        flat = sorted(root.glob("*.yaml"))
        if not flat:
            raise InputError("not a rules pack: no jurisdictions/*.yaml (nor *.yaml files) in it", file=str(root),
                             field="--rules")
        return Pack(root=root, name=root.name, jurisdictions=flat)
    pack = Pack(root=root, name=root.name)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.suffix in (".md", ".txt") and entry.is_file():
            continue  # README.md, notes: not rules
        if entry.is_dir() and entry.name not in TOP_DIRS and not entry.name.startswith(("_", "__")):
            raise InputError(f"unknown directory in a rules pack; a pack has {', '.join(TOP_DIRS)}", file=str(entry))
        if entry.is_file() and entry.suffix in (".yaml", ".yml", ".json") and entry.name not in TOP_FILES:
            raise InputError(f"unknown file in a rules pack (a pack's top level has {', '.join(TOP_FILES)}; "
                             "jurisdiction files go in jurisdictions/)", file=str(entry))
    pack.jurisdictions = sorted((root / "jurisdictions").glob("*.yaml"))
    if not pack.jurisdictions:
        raise InputError("a rules pack needs at least one jurisdictions/*.yaml", file=str(root / "jurisdictions"))
    pack.procedures = sorted((root / "procedures").glob("*.yaml"))
    pack.sources = sorted((root / "sources").glob("*.txt"))
    pack.tests = sorted((root / "tests").glob("*.yaml"))
    for name in ("vocabulary", "topics"):
        if (root / f"{name}.yaml").is_file():
            setattr(pack, name, root / f"{name}.yaml")
    for p in sorted((root / "params").glob("*")) if (root / "params").is_dir() else []:
        if p.name not in PARAM_FILES:
            raise InputError(f"unknown parameter file; a pack's params/ may replace {', '.join(PARAM_FILES)}",
                             file=str(p))
        pack.params[p.name] = p
    manifest = root / "pack.yaml"
    if manifest.is_file():
        data = read_yaml(manifest)
        r = Reader(manifest, data, "the pack manifest", {"name", "extends", "note"})
        pack.name = r.str("name", root.name)
        ext = r.get("extends")
        if ext not in (None, "shipped"):
            raise r.err("extends", "`extends` is `shipped` (the package's own rules) or left out")
        pack.extends = ext == "shipped"
    return pack


def _sources(pack: Pack) -> dict[str, str]:
    shipped = load_sources()
    out = dict(shipped)
    for p in pack.sources:
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the source text ({exc.__class__.__name__})", file=str(p)) from None
        if p.name in shipped and shipped[p.name] != text:
            raise InputError(f"a shipped source is named `{p.name}` and has another text; give the pack's source "
                             "another name", file=str(p))
        out[p.name] = text
    return out


def load_pack(root: Path | str) -> Policy:
    """The policy of the pack at ``root``: its jurisdictions over the shipped vocabulary, topics,
    parameters and sources plus what the pack adds."""
    pack = open_pack(root)
    vocab = load_vocabulary()
    if pack.vocabulary or pack.topics:
        vocab = load_vocabulary(pack.vocabulary, pack.topics, base=vocab)
    params = load_params(override=pack.params)
    sources = load_sources() if pack.shipped else _sources(pack)
    jur: dict = {}
    for f in pack.jurisdiction_files():
        j = load_jurisdiction(f, vocab, params, sources)
        jur.setdefault(j.id, []).append(j)
    for versions in jur.values():
        versions.sort(key=lambda v: v.in_force_from or dt.date.min)
    return Policy(vocab, params, jur, sources, pack=pack)


__all__ = ["Pack", "open_pack", "load_pack", "PARAM_FILES"]
