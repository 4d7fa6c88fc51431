"""Benchmarks for `make bench`. Each prints a table with a reference measured in the same run."""
