"""What every batch result shares: inputs that cannot be read are ``error`` rows, the good ones are still
answered, and the command then exits 2 with one message that counts them (``wrp batch`` over profiles,
over tables)."""

from __future__ import annotations

from policy.i18n import Msg

UNITS = {"profiles": ("个档案", "“错误”行"), "rows": ("行", "“错误”行")}


class ErrorRows:
    """A batch result with ``errors`` (how many inputs were error rows) and ``read`` (how many were read);
    ``unit`` names what was read (``profiles`` or ``rows``)."""

    unit = "profiles"
    errors: int
    read: int

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else 0

    @property
    def message(self) -> Msg | None:
        if self.errors:
            zh_unit, zh_rows = UNITS[self.unit]
            return Msg(f"{self.errors} of {self.read} {self.unit} could not be read (see the `error` rows)",
                       f"{self.read} {zh_unit}中有 {self.errors} {zh_unit}无法读取（见{zh_rows}）")
        return None
