"""z3 terms: simplifying constructors and exact linear forms. The constructors fold true/false,
flatten and deduplicate, drop double negation — smaller formulas and readable unsat cores.

Example:
    >>> mk_and([TRUE, mk_not(mk_not(z3.Bool("a")))])
    a
    >>> Lin.var("x", Fraction(3, 2)).plus(Lin.of(Fraction(1))).const
    Fraction(1, 1)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction

import z3

TRUE, FALSE = z3.BoolVal(True), z3.BoolVal(False)
_CTX = z3.main_ctx()
_TRUE_ID, _FALSE_ID = TRUE.get_id(), FALSE.get_id()

# The constructors below are on every encoding's hot path: they use z3's C API directly (an AST id
# instead of ``z3.is_true``, the declaration kind instead of ``z3.is_and``, ``Z3_mk_and`` instead of
# ``z3.And``), which is several times cheaper than the Python-level helpers and builds the same terms.


def _kind(x: z3.ExprRef) -> int:
    ref = _CTX.ref()
    return z3.Z3_get_decl_kind(ref, z3.Z3_get_app_decl(ref, x.as_ast()))


def _args(x: z3.ExprRef) -> list[z3.BoolRef]:
    ref, a = _CTX.ref(), x.as_ast()
    return [z3.BoolRef(z3.Z3_get_app_arg(ref, a, k), _CTX) for k in range(z3.Z3_get_app_num_args(ref, a))]


def _nary(items: list[z3.BoolRef], and_: bool) -> z3.BoolRef:
    arr = (z3.Ast * len(items))(*(i.as_ast() for i in items))
    mk = z3.Z3_mk_and if and_ else z3.Z3_mk_or
    return z3.BoolRef(mk(_CTX.ref(), len(items), arr), _CTX)


def _flat(items: Iterable[z3.BoolRef], and_: bool) -> z3.BoolRef:
    unit, zero = (_TRUE_ID, _FALSE_ID) if and_ else (_FALSE_ID, _TRUE_ID)
    op = z3.Z3_OP_AND if and_ else z3.Z3_OP_OR
    out: list[z3.BoolRef] = []
    seen: set[int] = set()
    for i in items:
        iid = i.get_id()
        if iid == unit:
            continue
        if iid == zero:
            return FALSE if and_ else TRUE
        for j in (_args(i) if _kind(i) == op else (i,)):
            jid = j.get_id()
            if jid not in seen:
                seen.add(jid)
                out.append(j)
    if not out:
        return TRUE if and_ else FALSE
    return out[0] if len(out) == 1 else _nary(out, and_)


def mk_and(items: Iterable[z3.BoolRef]) -> z3.BoolRef:
    return _flat(items, True)


def mk_or(items: Iterable[z3.BoolRef]) -> z3.BoolRef:
    return _flat(items, False)


def mk_not(x: z3.BoolRef) -> z3.BoolRef:
    xid = x.get_id()
    if xid == _TRUE_ID:
        return FALSE
    if xid == _FALSE_ID:
        return TRUE
    if _kind(x) == z3.Z3_OP_NOT:
        return _args(x)[0]
    return z3.BoolRef(z3.Z3_mk_not(_CTX.ref(), x.as_ast()), _CTX)


def mk_atleast(k: int, items: list[z3.BoolRef]) -> z3.BoolRef:
    if k <= 0:
        return TRUE
    rest = [i for i in items if i.get_id() != _FALSE_ID]
    k -= sum(1 for i in rest if i.get_id() == _TRUE_ID)
    rest = [i for i in rest if i.get_id() != _TRUE_ID]
    if k <= 0:
        return TRUE
    if k > len(rest):
        return FALSE
    if k == len(rest):
        return mk_and(rest)
    if k == 1:
        return mk_or(rest)
    return z3.AtLeast(*rest, k)


def mk_implies(a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
    return mk_or([mk_not(a), b])


# --- linear forms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lin:
    """``const + Σ coef × var``: the value of a fact as an exact linear form over Int variables."""

    const: Fraction = Fraction(0)
    coefs: tuple[tuple[str, Fraction], ...] = ()

    @staticmethod
    def of(value: Fraction) -> Lin:
        return Lin(Fraction(value))

    @staticmethod
    def var(name: str, coef: Fraction = Fraction(1)) -> Lin:
        return Lin(Fraction(0), ((name, Fraction(coef)),))

    def plus(self, other: Lin, times: Fraction = Fraction(1)) -> Lin:
        d = dict(self.coefs)
        for n, c in other.coefs:
            d[n] = d.get(n, Fraction(0)) + c * times
        return Lin(self.const + other.const * times, tuple((n, c) for n, c in d.items() if c != 0))

    @property
    def is_const(self) -> bool:
        return not self.coefs


Term = Callable[[str], Lin]


def model_int(m: z3.ModelRef, v: z3.ArithRef) -> int:
    r = m.eval(v, model_completion=True)
    # ``as_long`` re-checks the sort through the Python layer: the numeral is read directly
    return int(z3.Z3_get_numeral_string(r.ctx_ref(), r.as_ast()))
