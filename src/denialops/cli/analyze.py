"""`denialops analyze FILE`: the whole analysis offline, no server, artifacts to a folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import anyio
import typer
from rich.console import Console

from denialops.config import Settings, get_settings
from denialops.errors import DenialOpsError
from denialops.llm.models import LLMProvider
from denialops.pipeline.build import full_pipeline, llm_pipeline, text_options
from denialops.pipeline.context import CaseContext, InputDocument
from denialops.pipeline.documents import BinaryFormat, binary_name, render_binary
from denialops.pipeline.runner import PipelineError, StageResult
from denialops.pipeline.text import sniff_content_type

EXIT_UNREADABLE = 3
BINARY_FORMATS: tuple[BinaryFormat, ...] = ("pdf", "docx")
console = Console()
err = Console(stderr=True)


def _read(path: Path, what: str) -> InputDocument:
    try:
        data = path.read_bytes()
    except OSError as e:
        err.print(f"error: cannot read the {what} {path}: {e.strerror}")
        raise typer.Exit(EXIT_UNREADABLE) from e
    content_type = sniff_content_type(data, path.name)
    if content_type is None:
        err.print(f"error: {path} is not a PDF, image, DOCX or text file")
        raise typer.Exit(EXIT_UNREADABLE)
    return InputDocument(data, content_type, path.name)


def _write(ctx: CaseContext, out: Path) -> list[Path]:
    """Every artifact, plus a PDF and a DOCX of each letter and checklist."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for artifact in ctx.artifacts.values():
        target = out / artifact.name  # names are ours (fixed set), never the user's
        target.write_bytes(artifact.data)
        written.append(target)
        if artifact.name.endswith(".md") and artifact.name != "action_plan.md":
            markdown = artifact.data.decode("utf-8")
            for fmt in BINARY_FORMATS:
                binary = out / binary_name(artifact.name, fmt)
                binary.write_bytes(render_binary(artifact.name, markdown, fmt))
                written.append(binary)
    return written


def _run(
    ctx: CaseContext, settings: Settings, progress: Callable[[StageResult], None]
) -> CaseContext:
    """The deterministic pipeline in this thread, or with LLM_PROVIDER set, the pipeline with
    its LLM stages in one event loop that also owns (and closes) the client."""
    if settings.llm_provider is LLMProvider.NONE:
        return full_pipeline(text_options(settings)).run_sync(ctx, on_stage=progress)

    async def with_llm() -> CaseContext:
        async with llm_pipeline(settings, text_options(settings)) as runner:
            return await runner.run(ctx, on_stage=progress)  # rich's status is thread-safe

    return anyio.run(with_llm)


def _summary(ctx: CaseContext, written: list[Path]) -> dict[str, Any]:
    decision, plan = ctx.decision, ctx.plan
    assert decision is not None
    assert plan is not None
    deadline = ctx.facts.dates.appeal_deadline if ctx.facts else None
    return {
        "route": decision.route.value,
        "confidence": round(decision.confidence, 3),
        "needs_human_review": decision.needs_human_review,
        "appealable": decision.appealable,
        "why": decision.reasoning[:3],
        "appeal_deadline": deadline,
        "first_step": plan.steps[0].title if plan.steps else plan.recommendation,
        "recommendation": plan.recommendation,
        "missing": [m.prompt for m in plan.missing],
        "warnings": ctx.warnings,
        "files": [str(p) for p in written],
        "llm": ctx.llm.info().model_dump(
            include={"provider", "status", "calls", "rejected_values"}
        ),
    }


def _print(summary: dict[str, Any]) -> None:
    review = (
        "  [yellow](a person should check this)[/yellow]" if summary["needs_human_review"] else ""
    )
    console.print(
        f"[bold]Route:[/bold] {summary['route']} (confidence {summary['confidence']:.2f}){review}"
    )
    console.print("[bold]Why:[/bold]")
    for line in summary["why"]:
        console.print(f"  - {line}", markup=False, soft_wrap=True)
    console.print(
        f"[bold]Appeal deadline:[/bold] {summary['appeal_deadline'] or 'Unknown — see the plan'}"
    )
    console.print("[bold]Do first:[/bold] ", end="")
    console.print(summary["first_step"], markup=False)
    if summary["missing"]:
        console.print(
            f"[bold]Missing:[/bold] {len(summary['missing'])} facts to provide "
            "(listed in action_plan.md)"
        )
    llm = summary["llm"]
    if llm["status"] != "disabled":
        console.print(
            f"[bold]Language model:[/bold] {llm['provider']}, {llm['status']} "
            f"({llm['calls']} calls, {llm['rejected_values']} unsupported values rejected)"
        )
    for warning in summary["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}", markup=False)
    console.print(f"[bold]Files written[/bold] ({len(summary['files'])}):")
    for path in summary["files"]:
        console.print(f"  {path}", markup=False)


def analyze_command(
    file: Annotated[Path, typer.Argument(help="The denial letter: PDF, image, DOCX or text.")],
    sbc: Annotated[Path | None, typer.Option(help="The plan's SBC or EOC.")] = None,
    eob: Annotated[Path | None, typer.Option(help="The Explanation of Benefits.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the artifacts.")] = Path("denialops-out"),
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Analyse a denial letter offline and write the action plan and document pack."""
    ctx = CaseContext(
        letter=_read(file, "letter"),
        eob=_read(eob, "EOB") if eob else None,
        plan_document=_read(sbc, "SBC/EOC") if sbc else None,
    )
    settings = get_settings()
    with err.status("reading the letter…") as status:

        def progress(result: StageResult) -> None:
            status.update(f"{result.stage} done ({result.ms:.0f} ms)…")

        try:
            ctx = _run(ctx, settings, progress)
        except PipelineError as e:
            err.print(f"error: {e.message} (stage {e.stage})", markup=False)
            raise typer.Exit(EXIT_UNREADABLE) from e
        except DenialOpsError as e:
            err.print(f"error: {e.message}", markup=False)
            raise typer.Exit(EXIT_UNREADABLE) from e
        status.update("writing files…")
        written = _write(ctx, out)
    summary = _summary(ctx, written)
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
    else:
        _print(summary)
