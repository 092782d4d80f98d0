"""Aggregate mode: the database counts the current window, only counts cross the wire."""
