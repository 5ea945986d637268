"""Backends: each turns the compiled IR into the truth of every node (reference, Datalog, z3, SQL)."""
