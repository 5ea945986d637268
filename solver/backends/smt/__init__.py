"""IR → z3. The only package that imports z3.

Every fact is a number (see ``policy.expr``); here every fact becomes an exact *linear form* over
z3 ``Int`` variables (``Lin``: a constant plus rational coefficients), so one encoder serves all
analyses: a witness search (facts free), ``missing`` (a fact = its value now + months waited × rate
+ an effort delta) and the three-valued node status of a given profile. A comparison is scaled by
the least common multiple of its denominators, so the solver only sees integer linear arithmetic:
``income >= 1.5 × 9407`` is decided exactly, right at the threshold.

Representations (the same as every backend): money, int, bool (0/1) and enum (choice index) facts
are ``Int``; a decimal fact (years, %) is ``k / 100`` for an ``Int`` k — exact, and printable as a
decimal number in a profile.

Session rules (claripy / CrossHair style): every query runs on a fresh solver with a fixed seed and
an ``rlimit`` work budget (not wall-clock time, so answers are reproducible); z3 ``unknown`` raises
``BudgetExhausted`` — "unknown (budget exhausted)" to the user — never a crash.

Modules, from the bottom: ``terms`` (simplifying constructors, linear forms), ``encode`` (IR → z3,
the backend's ``node_status``), ``space`` (an applicant as variables, decoding to a profile), ``session``
(solvers, budget, minimal cores, the closest model), ``change`` (the applicant who may change, for
``missing``) and ``optimum`` (its lexicographic optimum, alternatives and blockers).

Example:
    >>> from fractions import Fraction
    >>> from policy.expr import Cmp
    >>> from solver.backends.smt.encode import Encoder
    >>> from solver.backends.smt.session import check, new_solver
    >>> enc = Encoder()
    >>> e = Cmp(((Fraction(1), "x"),), "ge", Fraction(29, 2))
    >>> s = new_solver()
    >>> s.add(enc.to_smt(e, enc.var_term), enc.var("x") <= 15)
    >>> check(s)
    True
    >>> s.model()[enc.var("x")]
    15
"""
