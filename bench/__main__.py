"""Run the benchmark sections named on the command line (all by default)."""

from __future__ import annotations

import argparse
import asyncio
import importlib

from denialops.config import load_settings
from denialops.logs import configure_logging

SECTIONS = {
    "storage": "bench.storage_bench",
    "reading": "bench.reading_bench",
    "throughput": "bench.throughput_bench",
    "middleware": "bench.middleware_bench",
    "llm": "bench.llm_bench",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of {list(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    args = parser.parse_args()
    # Benchmarks measure the work, not the log lines about it.
    configure_logging(load_settings(log_level="WARNING"))
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {sorted(unknown)}")
    for name in args.sections or list(SECTIONS):
        module = importlib.import_module(SECTIONS[name])
        asyncio.run(module.run(quick=args.quick))


if __name__ == "__main__":
    main()
