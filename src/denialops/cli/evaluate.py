"""`denialops eval`: reading accuracy on a labelled set, with thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from denialops.evaluation import LabelError, render_table
from denialops.evaluation_run import evaluate_directory


def eval_command(
    directory: Annotated[
        Path, typer.Argument(help="A labelled set: letters with <name>.json labels beside them.")
    ] = Path("eval/letters"),
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    mismatches: Annotated[
        bool, typer.Option(help="List every wrong field, code and route.")
    ] = False,
) -> None:
    """Measure reading accuracy on a labelled set; exit 1 below the thresholds."""
    if not directory.is_dir():
        typer.echo(f"error: {directory} is not a directory", err=True)
        raise typer.Exit(2)
    count = len(list(directory.glob("*.json")))
    try:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("reading letters", total=count)
            report = evaluate_directory(
                directory, on_letter=lambda letter, _: progress.advance(task)
            )
    except LabelError as e:
        typer.echo(f"error: bad label: {e}", err=True)
        raise typer.Exit(2) from e
    console = Console()
    if json_output:
        typer.echo(report.model_dump_json(indent=2))
    else:
        console.print(render_table(report))
        if mismatches:
            for m in report.mismatches:
                console.print(f"  {m.model_dump()}")
    failures = report.failures()
    for reason in failures:
        typer.echo(f"below threshold: {reason}", err=True)
    raise typer.Exit(1 if failures else 0)
