"""`wrp missing`: the minimum missing condition. ``answer`` asks the question (z3 through
``solver.backends.smt.change`` and ``optimum``) and replays every suggestion; ``epochs`` splits the
waiting into stretches with the same rules and wage; ``guess`` reads the likely optimum off the rules;
``result`` holds the answers."""
