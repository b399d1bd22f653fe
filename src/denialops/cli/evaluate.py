"""`denialops eval`: accuracy on a labelled set, with thresholds; optionally with the LLM
stages (`--llm`, configured like the server: LLM_PROVIDER, LLM_BASE_URL, LLM_MODEL, keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from denialops.config import Settings, load_settings
from denialops.errors import ConfigurationError
from denialops.evaluation import LabelError, render_table
from denialops.evaluation.run import evaluate_directory
from denialops.llm.models import LLMProvider


def eval_command(
    directory: Annotated[
        Path, typer.Argument(help="A labelled set: letters with <name>.json labels beside them.")
    ] = Path("eval/letters"),
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    mismatches: Annotated[
        bool, typer.Option(help="List every wrong field, code and route.")
    ] = False,
    llm: Annotated[
        bool | None,
        typer.Option(
            "--llm/--no-llm",
            help="Run the LLM stages with the model LLM_PROVIDER, LLM_BASE_URL, LLM_MODEL and "
            "the API key variables configure (default: when LLM_PROVIDER is set); "
            "--no-llm measures the deterministic path alone.",
        ),
    ] = None,
) -> None:
    """Measure accuracy on a labelled set (and, with an LLM, what the model added and what was
    rejected); exit 1 below the thresholds."""
    if not directory.is_dir():
        typer.echo(f"error: {directory} is not a directory", err=True)
        raise typer.Exit(2)
    settings = _llm_settings(llm)
    count = len(list(directory.glob("*.json")))
    try:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("reading letters", total=count)
            report = evaluate_directory(
                directory, on_letter=lambda letter, _: progress.advance(task), settings=settings
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


def _llm_settings(llm: bool | None) -> Settings:
    """The settings to evaluate with: the environment's, without a model for --no-llm."""
    try:
        settings = load_settings()
    except ConfigurationError as e:
        typer.echo(f"error: {e.message}", err=True)
        raise typer.Exit(2) from e
    if llm is False:
        return settings.model_copy(update={"llm_provider": LLMProvider.NONE})
    if llm and settings.llm_provider is LLMProvider.NONE:
        typer.echo("error: --llm needs LLM_PROVIDER (openai, anthropic or local)", err=True)
        raise typer.Exit(2)
    return settings
