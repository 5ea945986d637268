"""Messages in both languages.

A warning or a note is made once, where it arises, and shown later in the user's language. ``Msg``
is an English ``str`` that also carries its Chinese wording (``.zh``): everything that handles
messages as text — JSON (English, the contract), ``in`` tests, joins — keeps working, and a
renderer asks for the wording with ``say(msg, lang)``.

Example:
    >>> m = Msg("no application date given", "未给出申请日期")
    >>> m == "no application date given", say(m, "zh"), say("plain text", "zh")
    (True, '未给出申请日期', 'plain text')
"""

from __future__ import annotations

from policy.caching import cache


class Msg(str):
    """An English message that knows its Chinese wording."""

    zh: str

    def __new__(cls, en: str, zh: str) -> Msg:
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj

    def __getnewargs__(self) -> tuple[str, str]:  # pickled (the compiled policy) with both wordings
        return str(self), self.zh


def say(text: str, lang: str) -> str:
    """``text`` in ``lang``: the Chinese wording of a ``Msg`` for ``zh``, else the text itself."""
    return getattr(text, "zh", text) if lang == "zh" else str(text)


# What went wrong with a file, from the OS error: errno -> (reading, writing); None: the general wording.
_PERMISSION = (("permission denied", "没有读取权限"), ("permission denied", "没有写入权限"))
_OS_ERRORS = {
    "ENOENT": (("no such file", "文件不存在"), ("the directory does not exist", "目录不存在")),
    "EACCES": _PERMISSION,
    "EPERM": _PERMISSION,
    "ENAMETOOLONG": (("the path is too long", "路径太长"),) * 2,
    "ENOTDIR": (("a part of the path is not a directory", "路径中的某一部分不是目录"),) * 2,
    "ELOOP": (("too many levels of symbolic links", "符号链接层数过多"),) * 2,
    "EISDIR": (("is a directory, not a file", "是目录，不是文件"), ("is a directory; give a file name", "是目录；请给出文件名")),
    "ENOSPC": (None, ("no space left on the device; nothing was written", "设备空间不足；未写入任何内容")),
    "EDQUOT": (None, ("disk quota exceeded; nothing was written", "超出磁盘配额；未写入任何内容")),
    "EROFS": (None, ("the file system is read-only", "文件系统只读")),
}


def os_error_text(exc: OSError, writing: bool = False) -> Msg:
    """Why a file could not be read (``policy.yamlio``) or written (``solver.render.atomic``), in both
    languages.

    Example:
        >>> import errno
        >>> m = os_error_text(OSError(errno.ENOENT, "x"), writing=True)
        >>> str(m), m.zh
        ('the directory does not exist', '目录不存在')
    """
    import errno
    pair = _OS_ERRORS.get(errno.errorcode.get(exc.errno or 0, ""), (None, None))[int(writing)]
    if pair is not None:
        return Msg(*pair)
    why = exc.strerror or exc.__class__.__name__
    if writing:
        return Msg(f"cannot write the file ({why}); nothing was written", f"无法写入文件（{why}）；未写入任何内容")
    return Msg(f"cannot read the file ({why})", f"无法读取文件（{why}）")


STATUS_ZH = {"eligible": "符合条件", "ineligible": "不符合条件", "undetermined": "无法确定"}

# The message catalog: the English wording of a recurring word or phrase → its Chinese wording. Text
# is composed in both languages where it arises (``word``, ``choice``, ``cat``), never translated
# afterwards, so what a user reads does not depend on what was loaded before.
WORDS = {
    "unknown": "未知", "true": "是", "false": "否", "yes": "是", "no": "否",
    "monthly average wage": "年度本市全口径城镇单位就业人员月平均工资",
    "annual average wage": "年度本市全口径城镇单位就业人员年平均工资",
    "(12 × monthly)": "（月平均工资 × 12）", "rounded to whole 元": "四舍五入到元",
    "month": "个月", "months": "个月", "year": "年", "years": "年",
    "not stated: default": "未填写：取默认值",
}


def word(en: str) -> Msg:
    """A catalog entry in both languages.

    Example:
        >>> say(word("unknown"), "zh"), word("unknown")
        ('未知', 'unknown')
    """
    return Msg(en, WORDS[en])


def cat(*parts: str, sep: str = "") -> Msg:
    """Parts (plain text, or ``Msg`` in both languages) joined into one message in both languages.

    Example:
        >>> m = cat("≥ ", word("true"), " (", cat("3 ", word("years")), ")")
        >>> str(m), say(m, "zh")
        ('≥ true (3 years)', '≥ 是 (3 年)')
    """
    return Msg(sep.join(str(p) for p in parts), say(sep, "zh").join(say(p, "zh") for p in parts))


def choice(vocab, spec, index) -> Msg:
    """Choice ``index`` of the enum ``spec`` in both languages: its own ``choice_zh``, else the wording
    another fact of the vocabulary gives the same choice (choices mean the same wherever they recur)."""
    name = spec.choices[int(index)]
    return Msg(name, dict(spec.choice_zh).get(name) or _choice_words(vocab).get(name, name))


@cache(8, identity=(0,))
def _choice_words(vocab) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in vocab.facts.values():
        for k, v in spec.choice_zh:
            out.setdefault(k, v)
    return out


def status_text(status: str, lang: str) -> str:
    """A verdict (eligible / ineligible / undetermined) in ``lang``."""
    return STATUS_ZH.get(status, status) if lang == "zh" else status


def fact_label(spec, name: str, lang: str) -> str:
    """The label of a fact, or of one item of a list fact (``x[0]``) in words: "…, year 1 of 3
    (oldest)" / "…第1年（共3年，最早）" (the list facts are yearly amounts, oldest first), never ``[0]``."""
    lab = spec.label.get(lang, spec.label["en"])
    if "[" not in name:
        return lab
    idx, n = name.split("[", 1)[1].rstrip("]"), getattr(spec, "length", None)
    if not idx.isdigit() or not n:  # a monthly series' ``[next]`` and the like: as written
        return f"{lab}[{idx}]"
    i = int(idx)
    if lang == "zh":
        end = "，最早" if i == 0 else "，最近" if i == n - 1 else ""
        return f"{lab}第{i + 1}年（共{n}年{end}）"
    end = " (oldest)" if i == 0 else " (latest)" if i == n - 1 else ""
    return f"{lab}, year {i + 1} of {n}{end}"


# --- provenance notes of parameters (policy/params/wage.yaml `cite`) --------------------------------
# The English phrases the shipped parameter files use in a provenance note, with their Chinese
# wording: a note is shown in Chinese under --lang zh (names of documents are Chinese already).
CITE_ZH = [
    (r"source (\d{3}) table", r"来源 \1 表"),
    (r"source (\d{3})", r"来源 \1"),
    (r"\bolder 职工平均工资 series, the district's (\d{4}) threshold base", r"旧口径职工平均工资，该区 \1 年门槛基数"),
    (r"publication date unknown, assumed", "公布日期不详，假定为"),
    (r"published-proxy ([0-9]{4}-[0-9]{2}-[0-9]{2})", r"公布日期按 \1 计（代用日期）"),
    (r"social-insurance base announcement", "社保缴费基数公告"),
    (r"social-insurance cap", "社保缴费上限"),
    (r"\(in force ([0-9-]+)\)", r"（\1 起施行）"),
    (r"printed by the guide itself", "指南原文所列"),
    (r"\(secondary copies\), cross-checked:", "（转载），经核对："),
    (r"same series", "同一序列"),
    (r"published about", "约公布于"),
    (r"\bannual\b", "年平均工资"),
    (r"; ", "；"),
]


def cite_text(text: str, lang: str) -> str:
    """A parameter's provenance note in ``lang`` (``CITE_ZH`` for Chinese).

    Example:
        >>> cite_text("source 001 table; published-proxy 2021-08-04", "zh")
        '来源 001 表；公布日期按 2021-08-04 计（代用日期）'
    """
    if lang != "zh":
        return text
    import re
    for en, zh in CITE_ZH:
        text = re.sub(en, zh, text)
    return text


# --- argument errors (argparse's English messages) --------------------------------------------------
ARGPARSE_ZH = [
    (r"^unrecognized arguments: (.*)$", r"无法识别的参数：\1"),
    (r"^the following arguments are required: (.*)$", r"缺少必需的参数：\1"),
    (r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$", r"参数 \1：无效的选项 \2（可选：\3）"),
    (r"^argument (\S+): expected one argument$", r"参数 \1：需要一个值"),
    (r"^argument (\S+): expected at least one argument$", r"参数 \1：至少需要一个值"),
    (r"^argument (\S+): expected (\S+) arguments?$", r"参数 \1：需要 \2 个值"),
    (r"^argument (\S+): invalid (\S+) value: (.*)$", r"参数 \1：无效的 \2 值 \3"),
    (r"^argument (\S+): not allowed with argument (\S+)$", r"参数 \1：不能与参数 \2 同时使用"),
    (r"^argument (\S+): ignored explicit argument (.*)$", r"参数 \1：忽略了多余的值 \2"),
    (r"^ambiguous option: (\S+) could match (.*)$", r"有歧义的选项：\1 可以是 \2"),
    (r"^one of the arguments (.*) is required$", r"必须给出下列参数之一：\1"),
    (r"^invalid choice: (.*) \(choose from (.*)\)$", r"无效的选项 \1（可选：\2）"),
]


def argparse_msg(message: str, hint: str = "") -> Msg:
    """An argparse error with its Chinese wording; ``hint`` a command whose ``--help`` to see.

    Example:
        >>> say(argparse_msg("unrecognized arguments: --bogus", "check"), "zh")
        '无法识别的参数：--bogus（见 `wrp check --help`）'
    """
    import re
    zh = message
    for en, z in ARGPARSE_ZH:
        if re.match(en, message, flags=re.S):
            zh = re.sub(en, z, message, flags=re.S)
            break
    if hint:
        return Msg(f"{message} (see `wrp {hint} --help`)", f"{zh}（见 `wrp {hint} --help`）")
    return Msg(message, zh)


# --- Python's reasons for an impossible date (datetime.date.fromisoformat) ---------------------------
DATE_REASON_ZH = {
    "day is out of range for month": "该月没有这一天",
    "month must be in 1..12": "月份须在 1 至 12 之间",
    "year 0 is out of range": "年份超出范围",
}


def date_reason(reason: str, lang: str) -> str:
    """Python's reason for an impossible date in ``lang``.

    Example:
        >>> date_reason("day is out of range for month", "zh")
        '该月没有这一天'
    """
    if lang != "zh":
        return reason
    for en, zh in DATE_REASON_ZH.items():
        if en in reason:
            return zh
    return reason
