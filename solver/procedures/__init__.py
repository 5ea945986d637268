"""Procedures: deadlines, materials, procedural conflicts."""
