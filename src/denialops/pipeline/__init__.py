"""The analysis pipeline: one module per stage, and `runner.py`, which owns timing, logging,
events and the error policy. Stages are small callables `stage(ctx) -> ctx` with their own
options; the engines they call live in sub-packages (`text/`, `facts/`)."""
