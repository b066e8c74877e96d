"""Load benchmarks: the real app (and an aiogram baseline) in a subprocess, driven over HTTP."""
