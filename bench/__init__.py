"""Benchmarks (`make bench`): figures to read, never pass/fail tests."""
