"""fitbet benchmarks (issue #7): `python -m benchmarks --help`. Not part of the test suite."""
