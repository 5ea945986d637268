"""What every batch result shares: inputs that cannot be read are ``error`` rows, the good ones are still
answered, and the command then exits 2 with one message that counts them (``wrp batch`` over profiles,
over tables)."""

from __future__ import annotations


class ErrorRows:
    """A batch result with ``errors`` (how many inputs were error rows) and ``read`` (how many were read);
    ``unit`` names what was read."""

    unit = "profiles"
    errors: int
    read: int

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else 0

    @property
    def message(self) -> str | None:
        if self.errors:
            return f"{self.errors} of {self.read} {self.unit} could not be read (see the `error` rows)"
        return None
