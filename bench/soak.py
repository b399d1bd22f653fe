"""Soak: thousands of full cases through real uvicorn, watching the server's memory.

    python -m bench.soak                 # 5,000 cases (make soak)
    python -m bench.soak --cases 500     # a quick run

Starts `denialops serve` on loopback over a fresh embedded store (SQLite, rate limits off),
then a few concurrent clients push full cases through the API (create -> upload -> POST /run;
every `--pdf-every`th letter is a PDF, so the parser sandbox is exercised too). The server's
resident memory (VmRSS from /proc) and open file descriptors are sampled every
`--sample-every` cases and printed as a table.

Pass/fail: memory must be flat once warm. The baseline is the sample at 20% of the run (after
warm-up: imports, template compilation, the SQLite page cache, allocator arenas); the end is
the mean of the samples in the last 10%. Exit status 1 if the end is `--max-growth` (10%) or
more above the baseline, if any request failed, or if parser children are left behind.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.server import free_port, wait_until_ready
from denialops.samples import sample_path

PDF_LETTER = Path(__file__).parents[1] / "eval" / "letters" / "02_harborview_ma_remit_pa.pdf"
console = Console()


@dataclass(frozen=True)
class Sample:
    """The server as seen after `cases` completed cases."""

    cases: int
    seconds: float
    rss_kib: int
    fds: int


def start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`denialops serve` in a process of its own (uvicorn with one worker runs in it)."""
    env = os.environ | {
        "DATA_DIR": str(data_dir),
        "STORAGE_BACKEND": "sqlite",
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_ENABLED": "false",
    }
    cli = Path(sys.executable).parent / "denialops"
    with log.open("wb") as out:
        server = subprocess.Popen([str(cli), "serve"], env=env, stdout=out, stderr=out)
    return wait_until_ready(
        server, f"http://127.0.0.1:{port}/health/ready", seconds=60, hint=f"; see {log}"
    )


def rss_kib(pid: int) -> int:
    """Resident memory of `pid` in KiB (Linux /proc; psutil is not a dependency)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def children(pid: int) -> int:
    """How many live processes have `pid` as their parent (parser sandboxes left behind)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The command name (field 2) may contain spaces; fields after ")" are plain.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                count += 1
    return count


async def one_case(client: httpx.AsyncClient, letter: tuple[str, bytes]) -> bool:
    """Create, upload, run; True when every step answered as it should."""
    created = await client.post("/api/v1/cases", json={})
    if created.status_code != 201:
        return False
    case_id = created.json()["case_id"]
    uploaded = await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": letter},
        data={"doc_type": "denial_letter"},
    )
    if uploaded.status_code != 201:
        return False
    run = await client.post(f"/api/v1/cases/{case_id}/run")
    return run.status_code == 200


async def drive(base_url: str, pid: int, args: argparse.Namespace) -> tuple[list[Sample], int]:
    """Run `args.cases` cases over `args.concurrency` clients; sample the server as they go."""
    text = ("letter.txt", sample_path().read_bytes())
    pdf = ("letter.pdf", PDF_LETTER.read_bytes())
    tickets = itertools.count()
    done = 0
    errors = 0
    started = time.perf_counter()
    samples = [Sample(0, 0.0, rss_kib(pid), open_fds(pid))]

    async def worker() -> None:
        nonlocal done, errors
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
            while (ticket := next(tickets)) < args.cases:
                use_pdf = args.pdf_every > 0 and ticket % args.pdf_every == args.pdf_every - 1
                ok = await one_case(client, pdf if use_pdf else text)
                errors += not ok
                done += 1
                if done % args.sample_every == 0 or done == args.cases:
                    sample = Sample(
                        done, time.perf_counter() - started, rss_kib(pid), open_fds(pid)
                    )
                    samples.append(sample)
                    console.print(
                        f"  {sample.cases:>6} cases  {sample.rss_kib / 1024:7.1f} MiB  "
                        f"{sample.fds:>4} fds  {sample.seconds:7.1f} s",
                        highlight=False,
                    )

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return samples, errors


def growth(samples: list[Sample], cases: int) -> tuple[Sample, float, float]:
    """The warm baseline sample, the mean RSS (KiB) of the last 10%, and the growth ratio."""
    warm = next(s for s in samples if s.cases >= 0.2 * cases)
    tail = [s.rss_kib for s in samples if s.cases >= 0.9 * cases]
    end = sum(tail) / len(tail)
    return warm, end, end / warm.rss_kib - 1


def report(samples: list[Sample], cases: int, errors: int, left_behind: int) -> float:
    table = Table(title=f"Soak: {cases} cases, server RSS")
    for column in ("cases", "RSS MiB", "open fds", "seconds", "cases/s"):
        table.add_column(column, justify="right")
    for s in samples:
        rate = f"{s.cases / s.seconds:.1f}" if s.seconds else "-"
        table.add_row(str(s.cases), f"{s.rss_kib / 1024:.1f}", str(s.fds), f"{s.seconds:.0f}", rate)
    console.print(table)
    warm, end, ratio = growth(samples, cases)
    console.print(
        f"baseline (at {warm.cases} cases, after warm-up): {warm.rss_kib / 1024:.1f} MiB; "
        f"mean of the last 10%: {end / 1024:.1f} MiB; growth {ratio:+.1%}",
        highlight=False,
    )
    console.print(f"failed cases: {errors}; parser processes left behind: {left_behind}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--cases", type=int, default=5000, help="full cases to push (5000)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients (4)")
    parser.add_argument("--sample-every", type=int, default=0, help="cases between samples")
    parser.add_argument("--pdf-every", type=int, default=25, help="every Nth letter a PDF")
    parser.add_argument("--max-growth", type=float, default=0.10, help="failing growth (0.10)")
    args = parser.parse_args()
    if args.cases < 10:
        parser.error("--cases must be at least 10")
    args.sample_every = args.sample_every or max(1, args.cases // 50)

    data_dir = Path(tempfile.mkdtemp(prefix="denialops-soak-"))
    port = free_port()
    server = start_server(data_dir / "data", port, data_dir / "server.log")
    try:
        console.print(f"soak: {args.cases} cases, {args.concurrency} clients, pid {server.pid}")
        samples, errors = asyncio.run(drive(f"http://127.0.0.1:{port}", server.pid, args))
        time.sleep(1)  # let the last sandbox child be reaped
        left_behind = children(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    ratio = report(samples, args.cases, errors, left_behind)
    shutil.rmtree(data_dir, ignore_errors=True)
    failed = ratio >= args.max_growth or errors > 0 or left_behind > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
