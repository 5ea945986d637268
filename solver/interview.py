"""`wrp interview PROFILE`: a terminal dialogue that completes a partial profile.

It asks the most decisive question first (``solver.questions``), accepts "unknown" (the fact is then
not asked again), re-asks with the loader's message when an answer is not valid, and ends when every
jurisdiction's answer is determined (or nothing left to ask can decide one). The completed profile is
written to a NEW file, atomically; the input file is never overwritten. Comments and layout of a YAML
profile are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.prompt import Prompt
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from policy.errors import InputError
from policy.i18n import status_text
from policy.load import Policy
from solver.facts import Facts
from solver.questions import home_district, next_questions, open_jurisdictions

UNKNOWN = {"", "?", "unknown", "u", "未知", "不知道", "skip"}
YES = {"y", "yes", "true", "是", "有", "1"}
NO = {"n", "no", "false", "否", "无", "没有", "0"}

WORDS = {
    "intro": {"zh": "补全档案：先问最能确定结论的问题。不知道请回车或输入“未知”。",
              "en": "Completing the profile: the most decisive question first. Press Enter or type `unknown` to skip."},
    "status": {"zh": "当前结论", "en": "Now"},
    "done": {"zh": "所有辖区的结论都已确定。", "en": "Every jurisdiction's answer is determined."},
    "stuck": {"zh": "剩下的未知事实无法再确定更多结论。", "en": "No fact left to ask can determine more answers."},
    "eof": {"zh": "输入结束。", "en": "End of input."},
    "wrote": {"zh": "已写入补全后的档案", "en": "Completed profile written to"},
    "yesno": {"zh": "是/否", "en": "yes/no"},
    "choices": {"zh": "可选", "en": "choices"},
    "list": {"zh": "{n} 个数，用逗号分隔", "en": "{n} numbers, comma-separated"},
    "date": {"zh": "日期 YYYY-MM-DD", "en": "date YYYY-MM-DD"},
    "bad": {"zh": "无效", "en": "not valid"},
    "settles": {"zh": "可确定", "en": "settles"},
}


def _w(key: str, lang: str) -> str:
    return WORDS[key][lang]


def default_output(path: Path) -> Path:
    """``p.yaml`` → ``p.completed.yaml`` (then ``p.completed-2.yaml`` … if that exists)."""
    stem, suffix = path.stem, path.suffix or ".yaml"
    out = path.with_name(f"{stem}.completed{suffix}")
    n = 2
    while out.exists():
        out = path.with_name(f"{stem}.completed-{n}{suffix}")
        n += 1
    return out


def parse_answer(policy: Policy, name: str, text: str):
    """A typed answer as a profile states it; ``InputError`` (field = the fact) when it cannot be one."""
    spec = policy.vocabulary.facts[name]
    s = text.strip()
    low = s.lower()

    def bad(msg: str):
        raise InputError(msg, field=name)

    match spec.type:
        case "bool":
            if low in YES:
                return True
            if low in NO:
                return False
            bad(f"answer yes or no, got `{s}`")
        case "enum":
            zh = {v: k for k, v in spec.choice_zh}
            if s in spec.choices:
                return s
            if s in zh:
                return zh[s]
            if s.isdigit() and 1 <= int(s) <= len(spec.choices):
                return spec.choices[int(s) - 1]
            bad(f"`{s}` is not a valid choice; choose one of: {', '.join(spec.choices)}")
        case "date":
            from policy.reader import parse_date  # the one date reader
            try:
                return parse_date(s)
            except ValueError as exc:
                bad(str(exc))
        case "money_list":
            parts = [p for p in s.replace("，", ",").replace(" ", ",").split(",") if p]
            try:
                return [_number(p) for p in parts]
            except ValueError:
                bad(f"must be a list of {spec.length} amounts (oldest first), got `{s}`")
    try:
        return _number(s.replace(",", ""))
    except ValueError:
        bad(f"must be a number, got `{s}`")


def _number(s: str) -> int | float:
    x = float(s)
    return int(x) if x == int(x) and "." not in s else x


def _prompt_text(policy: Policy, name: str, lang: str) -> str:
    spec = policy.vocabulary.facts[name]
    unit = (f"（{spec.unit[lang]}）" if lang == "zh" else f" ({spec.unit[lang]})") if spec.unit else ""
    if spec.type == "bool":
        hint = _w("yesno", lang)
    elif spec.type == "enum":
        zh = dict(spec.choice_zh)
        hint = " / ".join(f"{i}={c}" + (f" {zh[c]}" if lang == "zh" and c in zh else "")
                          for i, c in enumerate(spec.choices, 1))
    elif spec.type == "money_list":
        hint = _w("list", lang).format(n=spec.length)
    elif spec.type == "date":
        hint = _w("date", lang)
    else:
        hint = ""
    return f"{spec.label[lang]}{unit} [dim]{name}[/dim]" + (f" [{hint}]" if hint else "")


def _set(data: CommentedMap, name: str, value) -> None:
    node = data
    *groups, last = name.split(".")
    for g in groups:
        if not isinstance(node.get(g), dict):
            node[g] = CommentedMap()
        node = node[g]
    node[last] = value


def _status_line(policy: Policy, facts: Facts, lenient: bool, lang: str) -> str:
    from policy.expr import evaluate
    from solver.program import compile_program
    parts = []
    for jid in policy.ids():
        j = policy.version(jid, facts.date)[0]
        prog = compile_program(j, facts.wage, lenient)
        st = {True: "eligible", False: "ineligible", None: "undetermined"}[evaluate(prog.root, facts.values)]
        if st == "undetermined":  # exact: decided when every completion of the unknown facts agrees
            from solver.decide import decide
            st = decide(policy, jid, facts, lenient=lenient).status
        parts.append(f"{j.name.get(lang, jid)} {status_text(st, lang)}")
    return f"{_w('status', lang)}：" + "，".join(parts) if lang == "zh" else f"{_w('status', lang)}: " + ", ".join(parts)


def interview(policy: Policy, path: Path, output: Path | None, console: Console, lang: str = "en",
              lenient: bool = False, date: dt.date | None = None) -> Path:
    """Run the dialogue on ``path``; returns the file written."""
    from policy.yamlio import read_yaml
    from solver.procedures.facts import procedure_facts_from_dict
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    out = Path(output) if output else default_output(path)
    if out.resolve() == path.resolve():
        raise InputError("the completed profile goes to a new file; give another --output", file=str(out),
                         field="--output")
    if out.exists():
        raise InputError("exists already; the interview never overwrites a file", file=str(out), field="--output")
    if not out.parent.is_dir():
        raise InputError("no such directory", file=str(out.parent), field="--output")
    data = read_yaml(path)
    facts = procedure_facts_from_dict(data, policy, date=date, file=str(path))  # errors before any question
    if not isinstance(data, CommentedMap):
        data = CommentedMap(data)
    console.print(_w("intro", lang))
    skipped: set[str] = set()
    while True:
        console.print(_status_line(policy, facts, lenient, lang), style="dim")
        if not open_jurisdictions(policy, facts, lenient):
            console.print(_w("done", lang), style="green")
            break
        qs = [q for q in next_questions(policy, facts, home=home_district(policy, facts), lenient=lenient)
              if q.settles and q.fact not in skipped]
        if not qs:
            console.print(_w("stuck", lang), style="yellow")
            break
        q = qs[0]
        names = [f"{policy.version(j, facts.date)[0].name[lang]} ({j})" for j in q.settles]
        console.print(f"[cyan]{_w('settles', lang)}: {escape(', '.join(names))}[/cyan]")
        while True:
            try:
                answer = Prompt.ask(_prompt_text(policy, q.fact, lang), console=console, default="",
                                    show_default=False)
            except EOFError:
                console.print()
                console.print(_w("eof", lang), style="yellow")
                return _write(data, path, out, console, lang)
            if not sys.stdin.isatty():  # answers from a pipe: show them, so the transcript reads as a dialogue
                console.print(answer, markup=False, highlight=False)
            if answer.strip().lower() in UNKNOWN:
                skipped.add(q.fact)
                break
            try:
                value = parse_answer(policy, q.fact, answer)
                stated = {**facts.stated, q.fact: value}
                new = _refacts(procedure_facts_from_dict, stated, policy, facts)
            except InputError as exc:
                # the answer was typed, not read from the profile file: name the field, not a file position
                said = f"`{exc.field}`: {exc.message}" if exc.field else exc.message
                console.print(f"[red]{_w('bad', lang)}:[/red] {escape(said)}", highlight=False)
                continue
            facts = new
            _set(data, q.fact, value)
            break
    return _write(data, path, out, console, lang)


def _refacts(load, stated: dict, policy: Policy, facts: Facts) -> Facts:
    from solver.questions import _unflatten
    return load(_unflatten(stated), policy, date=facts.date, file=facts.file)


def _write(data, path: Path, out: Path, console: Console, lang: str) -> Path:
    import io
    if path.suffix == ".json":
        from policy.schema import to_json_value
        text = json.dumps(to_json_value(data), ensure_ascii=False, indent=2) + "\n"
    else:
        buf = io.StringIO()
        yaml = YAML(typ="rt")
        yaml.dump(data, buf)
        text = buf.getvalue()
    from solver.render.atomic import write_atomic
    write_atomic(out, text, force=True)
    console.print(f"{_w('wrote', lang)} {out}", highlight=False)
    return out


__all__ = ["interview", "parse_answer", "default_output"]
