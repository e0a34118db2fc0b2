"""Benchmarks, run from the repository's root as ``python -m bench.<name>`` (see bench/README.md)."""
