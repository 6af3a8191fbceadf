"""Reproducible benchmarks of the real service over HTTP (`make bench`); see bench/README.md."""
