"""Analyses over compiled programs: missing, conflicts, compare, verify."""
