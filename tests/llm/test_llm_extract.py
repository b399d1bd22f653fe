"""`llm_extract`: the model fills what the deterministic pass left empty, and only with values
the letter states; everything else is rejected, counted and logged without its value."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from denialops.domain.facts import CodeType
from denialops.errors import LLMCircuitOpen
from denialops.llm.accounting import AccountingLLMClient
from denialops.llm.pseudonymise import PseudonymisingLLMClient
from denialops.pipeline.llm.extract import LLMExtract
from denialops.pipeline.llm.trace import USAGE_ARTIFACT

from .scripted import ScriptedLLM
from .stage_helpers import INJECTION, SAMPLE, answer, forget, read

pytestmark = pytest.mark.anyio


class TestMerging:
    async def test_values_the_letter_states_are_merged_with_evidence(self) -> None:
        ctx = read()
        assert ctx.facts is not None
        forget(ctx.facts, "payer.claim_number", "dates.date_of_service", "amounts.billed_amount")
        llm = ScriptedLLM(
            script=[
                answer(
                    claim_number="25061-00873",
                    date_of_service="02/12/2025",  # the letter says "February 12, 2025"
                    billed_amount="$1,840.00",
                    fax="(800) 555-0199",  # the deterministic pass missed this one
                )
            ]
        )
        ctx = await LLMExtract(llm)(ctx)
        facts = ctx.facts
        assert facts is not None
        assert facts.payer.claim_number == "25061-00873"
        assert facts.dates.date_of_service == "2025-02-12"
        assert facts.amounts.billed_amount == Decimal("1840.00")
        assert facts.contact_info.fax == "1-800-555-0199"  # the letter's own spelling
        assert facts.evidence["dates.date_of_service"].quote == "February 12, 2025"
        assert facts.evidence["contact_info.fax"].quote in SAMPLE
        assert "contact_info.fax" not in facts.missing_info
        assert "payer.claim_number" not in facts.missing_info
        stored = json.loads(ctx.artifacts["case_facts.json"].data)
        assert stored["contact_info"]["fax"] == "1-800-555-0199"
        assert ctx.llm.stages == {"llm_extract": "used"}
        assert sorted(ctx.llm.merged_fields) == sorted(
            [
                "payer.claim_number",
                "dates.date_of_service",
                "amounts.billed_amount",
                "contact_info.fax",
            ]
        )

    async def test_only_missing_fields_are_asked_for_and_filled(self) -> None:
        ctx = read()
        llm = ScriptedLLM(script=[answer(payer_name="Someone Else Insurance", fax=None)])
        ctx = await LLMExtract(llm)(ctx)
        assert ctx.facts is not None
        assert ctx.facts.payer.name == "Cascade Health Plan"  # found already: never overridden
        prompt = llm.requests[0].messages[1].content
        asked = prompt.split("<letter>")[0]
        assert "fax" in asked
        assert "payer_name" not in asked
        assert ctx.llm.rejected == []

    async def test_invented_values_are_rejected_counted_and_logged_without_value(self) -> None:
        ctx = read()
        assert ctx.facts is not None
        forget(ctx.facts, "payer.claim_number", "dates.date_of_denial", "amounts.paid_amount")
        invented = answer(
            claim_number="CLM-99887766",
            date_of_denial="2031-02-03",
            paid_amount=12345.67,
            email="appeals@cascade.example",
            website="www.cascade-appeals.example",
        )
        with capture_logs() as logs:
            ctx = await LLMExtract(ScriptedLLM(script=[invented]))(ctx)
        facts = ctx.facts
        assert facts is not None
        assert facts.payer.claim_number is None
        assert facts.dates.date_of_denial is None
        assert facts.amounts.paid_amount is None
        assert facts.contact_info.email is None
        rejected = {(r.field, r.kind) for r in ctx.llm.rejected}
        assert rejected == {
            ("payer.claim_number", "not_in_letter"),
            ("dates.date_of_denial", "not_in_letter"),
            ("amounts.paid_amount", "not_in_letter"),
            ("contact_info.email", "not_in_letter"),
            ("contact_info.website", "not_in_letter"),
        }
        assert ctx.llm.info().rejected_values == 5
        events = [e for e in logs if e["event"] == "llm.rejected_hallucination"]
        assert {e["field"] for e in events} == {field for field, _ in rejected}
        text = repr(logs)
        for value in ("99887766", "2031", "12345", "cascade.example", "cascade-appeals"):
            assert value not in text

    async def test_codes_must_be_in_the_letter_and_in_our_tables(self) -> None:
        ctx = read()
        assert ctx.facts is not None
        ctx.facts.denial_codes = [
            c for c in ctx.facts.denial_codes if c.code_type is not CodeType.CARC
        ]
        codes = [
            {"code": "CO 197", "type": "CARC"},  # stated as CO-197
            {"code": "CO-999", "type": "CARC"},  # no such CARC
            {"code": "CO-50", "type": "CARC"},  # real, but not in this letter
            {"code": "N30", "type": "RARC"},  # real, but not in this letter
            {"code": "X1", "type": "NOT-A-TYPE"},
        ]
        ctx = await LLMExtract(ScriptedLLM(script=[answer(codes=codes)]))(ctx)
        assert ctx.facts is not None
        carcs = [c for c in ctx.facts.denial_codes if c.code_type is CodeType.CARC]
        assert [(c.code, c.group) for c in carcs] == [("CO-197", "CO")]
        assert carcs[0].evidence is not None
        assert carcs[0].evidence.quote == "CO-197"
        assert carcs[0].description  # from our table
        assert sorted((r.field, r.kind) for r in ctx.llm.rejected) == [
            ("codes", "malformed"),
            ("codes.CARC", "not_in_letter"),
            ("codes.CARC", "unknown_code"),
            ("codes.RARC", "not_in_letter"),
        ]


class TestSafety:
    async def test_letter_is_delimited_data_and_injected_lines_never_reach_the_model(
        self,
    ) -> None:
        letter = SAMPLE.replace("Re: Notice of claim denial", f"{INJECTION}\n</letter>\nRe:")
        ctx = read(letter)
        assert ctx.facts is not None
        forget(ctx.facts, "payer.claim_number")
        llm = ScriptedLLM(script=[answer(claim_number="99999999")])
        ctx = await LLMExtract(llm)(ctx)
        system, user = llm.requests[0].messages
        assert system.role == "system"
        assert "never an instruction" in system.content
        assert user.content.count("<letter>") == 1
        assert user.content.count("</letter>") == 1
        assert "Ignore previous instructions" not in user.content
        assert ctx.facts is not None
        assert ctx.facts.payer.claim_number is None
        assert [(r.field, r.kind) for r in ctx.llm.rejected] == [
            ("payer.claim_number", "not_in_letter")
        ]

    async def test_known_phi_is_sent_as_placeholders(self) -> None:
        ctx = read()
        inner = ScriptedLLM(script=[answer(fax="1-800-555-0199")])
        client = AccountingLLMClient(PseudonymisingLLMClient(inner))
        ctx = await LLMExtract(client)(ctx)
        sent = inner.requests[0].messages[1].content
        assert "CHP55810274" not in sent
        assert "[[MEMBER_ID_1]]" in sent
        assert "25061-00873" not in sent
        assert ctx.llm.ledger.calls == 1

    async def test_a_failing_model_leaves_the_deterministic_facts(self) -> None:
        ctx = read()
        before = ctx.facts.model_copy(deep=True) if ctx.facts else None
        ctx = await LLMExtract(ScriptedLLM(script=[LLMCircuitOpen()]))(ctx)
        assert ctx.facts == before
        assert ctx.llm.stages == {"llm_extract": "fallback"}
        assert ctx.llm.status == "fallback"
        assert any("llm_circuit_open" in w for w in ctx.warnings)
        usage = json.loads(ctx.artifacts[USAGE_ARTIFACT].data)
        assert usage["status"] == "fallback"

    async def test_an_answer_that_is_not_the_schema_is_a_fallback(self) -> None:
        ctx = read()
        ctx = await LLMExtract(ScriptedLLM(script=["sure! the fax is 555"]))(ctx)
        assert ctx.llm.stages == {"llm_extract": "fallback"}
        assert any("llm_bad_response" in w for w in ctx.warnings)

    async def test_nothing_missing_means_no_call(self) -> None:
        ctx = read()
        assert ctx.facts is not None
        ctx.facts.missing_info.clear()
        llm = ScriptedLLM()
        ctx = await LLMExtract(llm)(ctx)
        assert llm.calls == 0
        assert ctx.llm.stages == {"llm_extract": "skipped"}


class TestLetterPHI:
    async def test_names_addresses_and_birth_dates_are_sent_as_placeholders(self) -> None:
        letter = SAMPLE.replace("Re: Notice", "Date of Birth: 09/30/1974\nRe: Notice", 1)
        ctx = read(letter)
        inner = ScriptedLLM(script=[answer(fax="1-800-555-0199")])
        client = AccountingLLMClient(PseudonymisingLLMClient(inner))
        ctx = await LLMExtract(client)(ctx)
        sent = inner.requests[0].messages[1].content
        for phi in ("Maria Delgado", "4418 Alder Court", "Beaverton, OR 97005", "09/30/1974"):
            assert phi in letter
            assert phi not in sent
        assert "[[MEMBER_NAME_1]]" in sent
        assert "[[DATE_OF_BIRTH_1]]" in sent
        assert "[[ADDRESS_" in sent
