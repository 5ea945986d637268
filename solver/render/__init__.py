"""Rendering: results to words (zh/en), explanations, reports."""
