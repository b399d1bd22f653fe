"""Run the benchmark sections named on the command line (all by default)."""

from __future__ import annotations

import argparse
import asyncio
import importlib

SECTIONS = {"storage": "bench.storage_bench"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []], default=[])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    args = parser.parse_args()
    for name in args.sections or list(SECTIONS):
        module = importlib.import_module(SECTIONS[name])
        asyncio.run(module.run(quick=args.quick))


if __name__ == "__main__":
    main()
