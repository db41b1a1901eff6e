"""Benchmarks: extraction fidelity (bench.extract_fidelity); speed lives in bench.speed."""
