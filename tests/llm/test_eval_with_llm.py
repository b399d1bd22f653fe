"""The evaluation with a model that lies: every extraction and explanation call answers with
values no letter states (and with instructions a letter smuggled in). Nothing of it may reach
a published document, and every accuracy score must be what it is without a model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from denialops.cli import app as cli
from denialops.config import get_settings
from denialops.evaluation import EvalReport
from denialops.evaluation.run import evaluate_directory
from denialops.pipeline.build import llm_pipeline
from denialops.pipeline.context import CaseContext, InputDocument

from .conftest import API_KEY
from .fake_providers import FakeLLMServer, RecordedRequest, Reply, Respond
from .stage_helpers import INJECTION, SAMPLE, kind_of, openai_settings

EVAL_SET = Path(__file__).parents[2] / "eval" / "letters"
LETTERS = (
    "01_piedmont_mri_pa",
    "04_summit_pt_expired_auth",
    "06_cascade_modifier25_correction",
    "07_riverbend_ma_ma130_npi",
    "09_commonwealth_medicaid_bundling",
    "12_magnolia_vbt_experimental",
)
INVENTED_FACTS = {
    "payer_name": "Zenith Quantum Assurance",
    "plan_name": "Quantum Platinum Select",
    "plan_type": "Quantum HMO",
    "member_id": "ZZQ000111222",
    "group_number": "GX-998877",
    "claim_number": "CLM-99887766",
    "date_of_denial": "2037-02-03",
    "date_of_service": "2036-11-17",
    "billed_amount": 98765.43,
    "allowed_amount": 87654.32,
    "paid_amount": 76543.21,
    "patient_responsibility": 65432.10,
    "phone": "1-646-555-0111",
    "fax": "1-646-555-0112",
    "email": "appeals@zenith-quantum.example",
    "website": "www.zenith-quantum.example",
    "service_description": "robotic acupuncture of the spleen",
    "provider_name": "Zed Quantum Clinic",
    "provider_npi": "1987654302",
    "codes": [
        {"code": "CO-999", "type": "CARC"},
        {"code": "N362", "type": "RARC"},
        {"code": "99499", "type": "CPT"},
        {"code": "J9999", "type": "HCPCS"},
        {"code": "S72.001A", "type": "ICD-10-CM"},
    ],
}
INVENTED_PARAGRAPHS = [
    "Your claim CLM-99887766 for $98,765.43 was denied on 2037-02-03 under code CO-999.",
    "Call 1-646-555-0111 before 2037-03-01 and quote member ID ZZQ000111222.",
    "Your insurer said no to this claim. You can ask them to look at it again.",
]
#: What the invented values look like in a document, however they are printed.
TELLTALES = ("Zenith", "Quantum", "ZZQ000", "99887766", "2037", "2036", "98,765", "98765",
             "646", "1987654302", "CO-999", "N362", "J9999", "S72.001A")  # fmt: skip


def inventor(request: RecordedRequest) -> Reply:
    """A model that makes things up, whatever it is asked."""
    if kind_of(request) == "extract":
        return Reply(json.dumps(INVENTED_FACTS))
    return Reply(json.dumps({"explanation": INVENTED_PARAGRAPHS, "letter_paragraphs": []}))


def obedient(request: RecordedRequest) -> Reply:
    """A model that does what the letter told it to, in every answer."""
    if kind_of(request) == "extract":
        return Reply(json.dumps({"claim_number": "99999999", "fax": "1-800-555-0199"}))
    echoed = [INJECTION, "Your appeal deadline is 2031-01-01 for claim 99999999."]
    return Reply(json.dumps({"explanation": echoed, "letter_paragraphs": echoed}))


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    """A handful of the labelled text letters, with their labels."""
    target = tmp_path / "letters"
    target.mkdir()
    for stem in LETTERS:
        for suffix in (".txt", ".json"):
            shutil.copy(EVAL_SET / f"{stem}{suffix}", target / f"{stem}{suffix}")
        text = (target / f"{stem}.txt").read_text(encoding="utf-8")
        assert not [t for t in TELLTALES if t.lower() in text.lower()], stem  # really invented
    return target


def scores(report: EvalReport) -> dict[str, object]:
    return report.model_dump(include={"route_accuracy", "field_accuracy", "invented", "codes",
                                      "appealable_accuracy", "per_field_correct", "per_route",
                                      "mismatches", "failed", "hallucinations"})  # fmt: skip


def test_an_inventing_model_changes_no_score_and_no_document(
    letters: Path, llm_server: FakeLLMServer, tmp_path: Path
) -> None:
    llm_server.always(Respond(inventor))
    without = evaluate_directory(letters)
    with_llm = evaluate_directory(letters, settings=openai_settings(llm_server.url, tmp_path))
    assert with_llm.hallucinations == 0
    assert with_llm.documents_checked == len(LETTERS)
    assert scores(with_llm) == scores(without)
    llm = with_llm.llm
    assert llm is not None
    assert without.llm is None
    assert llm.letters_used == len(LETTERS)
    assert llm.letters_fallback == 0
    assert llm.calls == 2 * len(LETTERS)
    assert llm.merged_values == 0
    assert llm.rejected_values >= 3 * len(LETTERS)  # at least the paragraphs and the codes


def test_an_injected_instruction_reaches_no_published_document(
    llm_server: FakeLLMServer, tmp_path: Path
) -> None:
    llm_server.always(Respond(obedient))
    letter = SAMPLE.replace("Re: Notice of claim denial", f"{INJECTION}\nRe: Notice")
    settings = openai_settings(llm_server.url, tmp_path)

    async def analyse() -> CaseContext:
        ctx = CaseContext(letter=InputDocument(letter.encode(), "text/plain"))
        async with llm_pipeline(settings) as runner:
            return await runner.run(ctx)

    ctx = anyio.run(analyse)
    assert ctx.llm.status == "used"
    assert ctx.facts is not None
    assert ctx.facts.contact_info.fax == "1-800-555-0199"
    published = {n: a.data.decode() for n, a in ctx.artifacts.items() if n != "extracted_text.txt"}
    assert "appeal_letter.md" in published
    assert "action_plan.md" in published
    for name, text in published.items():
        for telltale in ("Ignore previous", "99999999", "2031-01-01"):
            assert telltale not in text, (name, telltale)
    assert "Ignore previous" in ctx.artifacts["extracted_text.txt"].data.decode()
    for sent in llm_server.requests:
        assert "Ignore previous" not in sent.prompt_text()


def test_the_eval_command_runs_with_the_llm_from_the_environment(
    letters: Path, llm_server: FakeLLMServer, tmp_path: Path
) -> None:
    llm_server.always(Respond(inventor))
    env = {
        "LLM_PROVIDER": "openai",
        "LLM_BASE_URL": f"{llm_server.url}/v1",
        "OPENAI_API_KEY": API_KEY,
        "LLM_MAX_RETRIES": "0",
        "DATA_DIR": str(tmp_path),
    }
    result = CliRunner().invoke(cli, ["eval", str(letters), "--json"], env=env)
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    assert report["hallucinations"] == 0
    assert report["llm"]["provider"] == "openai"
    assert report["llm"]["rejected_values"] > 0
    plain = CliRunner().invoke(cli, ["eval", str(letters), "--json", "--no-llm"], env=env)
    assert json.loads(plain.stdout)["llm"] is None


def test_analyze_runs_the_llm_stages_from_the_environment(
    llm_server: FakeLLMServer, tmp_path: Path
) -> None:
    llm_server.always(Respond(obedient))
    env = {
        "LLM_PROVIDER": "openai",
        "LLM_BASE_URL": f"{llm_server.url}/v1",
        "OPENAI_API_KEY": API_KEY,
        "LLM_MAX_RETRIES": "0",
        "DATA_DIR": str(tmp_path),
    }
    letter = tmp_path / "letter.txt"
    letter.write_text(SAMPLE, encoding="utf-8")
    get_settings.cache_clear()  # `analyze` reads the process's settings once
    try:
        result = CliRunner().invoke(
            cli, ["analyze", str(letter), "--out", str(tmp_path / "out"), "--json"], env=env
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["llm"] == {
        "provider": "openai",
        "status": "used",
        "calls": 2,
        "rejected_values": 4,  # two explanation and two letter paragraphs (the claim number
        # is not asked for: the letter gives it and the deterministic reader found it)
    }
    assert (tmp_path / "out" / "llm_usage.json").exists()
