"""Benchmarks, each measured beside its reference in the same run: `python -m bench.run`."""
