"""One error type for everything a user can get wrong; the CLI turns it into one line and exit 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: a profile, a policy file, an argument. ``str()`` is the message shown to the user.

    Example:
        >>> str(InputError("the income must be a number", file="p.yaml", line=3, col=5, field="applicant.income"))
        'p.yaml:3:5: `applicant.income`: the income must be a number'
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 col: int | None = None, field: str | None = None) -> None:
        self.message, self.file, self.line, self.col, self.field = message, file, line, col, field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + (f":{self.col}" if self.col else "") + ": "
        fld = f"`{self.field}`: " if self.field else ""
        return f"{where}{fld}{self.message}"

    def as_dict(self) -> dict:
        return {"error": self.message, "file": self.file, "line": self.line, "col": self.col, "field": self.field}


def unknown_district(jid: str, known: list[str], field: str = "--district", all_too: bool = True) -> InputError:
    """The one message for a jurisdiction id the policy does not have.

    Example:
        >>> str(unknown_district("haidian", ["beijing", "changping"]))
        '`--district`: unknown district `haidian`; choose one of: beijing, changping, all'
    """
    choices = ", ".join([*known, *(["all"] if all_too else [])])
    return InputError(f"unknown district `{jid}`; choose one of: {choices}", field=field)


def unknown_topic(topic: str, known: list[str], field: str = "--topic") -> InputError:
    """The one message for a topic the vocabulary does not have."""
    return InputError(f"unknown topic `{topic}`; topics: {', '.join(known)}", field=field)
