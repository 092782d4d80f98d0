"""Checks: pure functions from typed columns to result rows (no I/O)."""
