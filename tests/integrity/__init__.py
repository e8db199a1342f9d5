"""Integrity tests (issue 9): append-only tables, invariants, crashes, bad input, privacy."""
