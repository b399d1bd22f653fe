"""Stage 2b, `llm_extract` (optional): the model reads what the deterministic pass could not.

It runs after `extract_facts` and asks only for the facts that pass left empty (its
`missing_info`), and for codes of a kind it found none of. The answer is structured
(`LLMFacts`) and each value is merged only when the letter states it (`locate.LetterIndex`):
the letter's own spelling is kept, with its evidence, like every deterministic fact. Codes
must also be in our tables for their type (CARC, RARC, ICD-10-CM; CPT and HCPCS by shape).
Anything else is dropped and logged as `llm.rejected_hallucination` with the field's path and
why — never the value. The model never overrides a value the deterministic pass found.

Not asked, by design: the appeal deadline and window (a wrong deadline costs a patient their
appeal; they are read and computed deterministically only), the payer's postal address, and
the denial reason (it drives routing and is quoted in letters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Final, Literal

import anyio.to_thread
import structlog
from pydantic import BaseModel, ConfigDict, Field

from denialops.domain.codes import describe
from denialops.domain.facts import CaseFacts, CodeType, DenialCode, Evidence
from denialops.domain.icd10 import describe as describe_icd
from denialops.errors import LLMError
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import CompletionRequest
from denialops.pipeline.context import CaseContext, StageNotReady
from denialops.pipeline.facts.reason import summarize
from denialops.pipeline.llm.locate import LetterIndex
from denialops.pipeline.llm.prompts import EXTRACT_SYSTEM, letter_block
from denialops.pipeline.llm.scope import begin, fall_back, llm_scope, publish_usage
from denialops.pipeline.llm.trace import LLMTrace, RejectionKind

log = structlog.get_logger(__name__)

Kind = Literal["words", "identifier", "date", "amount", "phone", "address", "npi"]
Scalar = str | int | float | None


@dataclass(frozen=True)
class FieldSpec:
    """A fact the model may fill: its path in `case_facts.json`, its name in `LLMFacts`, how
    it is found in the letter, and what to call it in the prompt."""

    path: str
    attr: str
    kind: Kind
    hint: str


FIELDS: Final = (
    FieldSpec("payer.name", "payer_name", "words", "the insurer's name"),
    FieldSpec("payer.plan_name", "plan_name", "words", "the health plan's name"),
    FieldSpec("payer.plan_type", "plan_type", "words", "the plan type (HMO, PPO, Medicaid…)"),
    FieldSpec("payer.member_id", "member_id", "identifier", "the member or subscriber ID"),
    FieldSpec("payer.group_number", "group_number", "identifier", "the group number"),
    FieldSpec("payer.claim_number", "claim_number", "identifier", "the claim number"),
    FieldSpec("dates.date_of_denial", "date_of_denial", "date", "the letter's or decision's date"),
    FieldSpec("dates.date_of_service", "date_of_service", "date", "the date of service"),
    FieldSpec("amounts.billed_amount", "billed_amount", "amount", "the amount billed"),
    FieldSpec("amounts.allowed_amount", "allowed_amount", "amount", "the amount allowed"),
    FieldSpec("amounts.paid_amount", "paid_amount", "amount", "the amount paid"),
    FieldSpec(
        "amounts.patient_responsibility", "patient_responsibility", "amount", "the patient's share"
    ),
    FieldSpec("contact_info.phone", "phone", "phone", "the payer's phone number"),
    FieldSpec("contact_info.fax", "fax", "phone", "the payer's fax number"),
    FieldSpec("contact_info.email", "email", "address", "the payer's e-mail address"),
    FieldSpec("contact_info.website", "website", "address", "the payer's website"),
    FieldSpec("service.description", "service_description", "words", "the service denied"),
    FieldSpec("service.provider_name", "provider_name", "words", "who provided the service"),
    FieldSpec("service.provider_npi", "provider_npi", "npi", "the provider's 10-digit NPI"),
)
#: Code kinds asked for when the letter yielded none of them, and the prompt's words.
CODE_GROUPS: Final[dict[str, tuple[CodeType, ...]]] = {
    "denial codes (CARC such as CO-197, RARC such as N30)": (CodeType.CARC, CodeType.RARC),
    "procedure codes (CPT, HCPCS)": (CodeType.CPT, CodeType.HCPCS),
    "diagnosis codes (ICD-10-CM)": (CodeType.ICD10CM,),
}


class LLMCode(BaseModel):
    """One code the model read. `type` is checked by us, not by validation: a model that
    names an unknown type loses that code, not the whole answer."""

    code: str = Field(max_length=24)
    type: str = Field(max_length=24, description="CARC, RARC, CPT, HCPCS or ICD-10-CM")


class LLMFacts(BaseModel):
    """What the model read from the letter: null for anything the letter does not state."""

    model_config = ConfigDict(extra="ignore")

    payer_name: Scalar = None
    plan_name: Scalar = None
    plan_type: Scalar = None
    member_id: Scalar = None
    group_number: Scalar = None
    claim_number: Scalar = None
    date_of_denial: Scalar = Field(default=None, description="YYYY-MM-DD")
    date_of_service: Scalar = Field(default=None, description="YYYY-MM-DD")
    billed_amount: Scalar = None
    allowed_amount: Scalar = None
    paid_amount: Scalar = None
    patient_responsibility: Scalar = None
    phone: Scalar = None
    fax: Scalar = None
    email: Scalar = None
    website: Scalar = None
    service_description: Scalar = None
    provider_name: Scalar = None
    provider_npi: Scalar = None
    codes: list[LLMCode] = Field(default_factory=list, max_length=40)


class LLMExtract:
    """Fill the facts the deterministic pass left empty, from the model, where the letter
    supports them."""

    name: ClassVar[str] = "llm_extract"
    required: ClassVar[bool] = False

    def __init__(
        self, client: BaseLLMClient, *, temperature: float = 0.0, max_tokens: int = 800
    ) -> None:
        self.client = client
        self.temperature = temperature
        self.max_tokens = max_tokens

    async def __call__(self, ctx: CaseContext) -> CaseContext:
        if ctx.facts is None or ctx.text is None:
            raise StageNotReady(self.name, "extract_facts")
        trace = begin(ctx, self.client)
        wanted = [spec for spec in FIELDS if spec.path in ctx.facts.missing_info]
        codes = _missing_code_groups(ctx.facts)
        if not wanted and not codes:
            trace.stages[self.name] = "skipped"
            publish_usage(ctx)
            return ctx
        index = await anyio.to_thread.run_sync(LetterIndex, ctx.text)
        request = self._request(index.doc.text, wanted, codes)
        try:
            with llm_scope(ctx.facts, trace.ledger, letter=index.doc.text):
                answer = await self.client.complete_structured(request, LLMFacts)
        except LLMError as e:
            fall_back(ctx, self.name, e)
            publish_usage(ctx)
            return ctx
        allowed = {t for group in codes for t in CODE_GROUPS[group]}
        merger = _Merger(ctx.facts, index, trace, ctx.case_id, self.name)
        await anyio.to_thread.run_sync(merger.merge, answer.value, wanted, allowed)
        trace.stages[self.name] = "used"
        ctx.add_artifact("case_facts.json", "application/json", ctx.facts.model_dump_json(indent=2))
        publish_usage(ctx)
        return ctx

    def _request(self, letter: str, wanted: list[FieldSpec], codes: list[str]) -> CompletionRequest:
        asked = [f"- {spec.attr}: {spec.hint}" for spec in wanted]
        if codes:
            asked.append(f"- codes: every one of these the letter states: {'; '.join(codes)}")
        task = (
            "Fill only these fields and leave every other field null:\n"
            + "\n".join(asked)
            + "\n\n"
            + letter_block(letter)
        )
        return CompletionRequest.of(
            EXTRACT_SYSTEM,
            task,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            purpose="extract",
        )


def _missing_code_groups(facts: CaseFacts) -> list[str]:
    found = {c.code_type for c in facts.denial_codes}
    if facts.service.cpt_codes or facts.service.hcpcs_codes:
        found |= {CodeType.CPT, CodeType.HCPCS}
    if facts.service.diagnosis_codes:
        found.add(CodeType.ICD10CM)
    return [words for words, types in CODE_GROUPS.items() if not found & set(types)]


class _Merger:
    """Merges an answer into the facts, value by value, keeping only what the letter states."""

    def __init__(
        self, facts: CaseFacts, index: LetterIndex, trace: LLMTrace, case_id: str | None, stage: str
    ) -> None:
        self.facts, self.index, self.trace = facts, index, trace
        self.case_id, self.stage = case_id, stage

    def merge(self, answer: LLMFacts, wanted: list[FieldSpec], code_types: set[CodeType]) -> None:
        for spec in wanted:
            raw = getattr(answer, spec.attr)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            found = self._locate(spec.kind, raw)
            if isinstance(found, str):
                self._reject(spec.path, found)
            else:
                self._set(spec.path, *found)
        for item in answer.codes:
            self._merge_code(item, code_types)
        if self.trace.merged_fields:
            facts = self.facts
            facts.denial_reason_summary = summarize(
                facts.denial_reason, facts.denial_codes, facts.payer.name, facts.service.description
            )

    def _locate(
        self, kind: Kind, raw: str | int | float
    ) -> tuple[object, Evidence] | RejectionKind:
        text = str(raw).strip()
        if kind == "date":
            return self.index.date(text) or "not_in_letter"
        if kind == "amount":
            return self.index.amount(raw) or "not_in_letter"
        finders = {
            "words": self.index.words,
            "identifier": self.index.identifier,
            "phone": self.index.phone,
            "address": self.index.address,
            "npi": self.index.npi,
        }
        ev = finders[kind](text)
        if ev is None:
            return "not_in_letter"
        value = " ".join(ev.quote.split())  # the letter's own spelling
        return (value if kind != "npi" else text), ev

    def _set(self, path: str, value: object, ev: Evidence) -> None:
        section, _, attr = path.rpartition(".")
        target = getattr(self.facts, section) if section else self.facts
        setattr(target, attr, value.isoformat() if isinstance(value, date) else value)
        self.facts.evidence[path] = ev
        if path in self.facts.missing_info:
            self.facts.missing_info.remove(path)
        self.trace.merged_fields.append(path)

    def _merge_code(self, item: LLMCode, allowed: set[CodeType]) -> None:
        try:
            code_type = CodeType(item.type.strip().upper().replace("ICD10", "ICD-10"))
        except ValueError:
            self._reject("codes", "malformed")
            return
        path = f"codes.{code_type.value}"
        if code_type not in allowed:
            return  # the letter's codes of this kind were read deterministically already
        found = self.index.code(code_type, item.code)
        if isinstance(found, str):
            self._reject(path, found)
            return
        code, group, ev = found
        if any(c.code == code and c.code_type is code_type for c in self.facts.denial_codes):
            return
        description = (
            describe_icd(code) if code_type is CodeType.ICD10CM else describe(code_type, code)
        )
        self.facts.denial_codes.append(
            DenialCode(
                code=code, code_type=code_type, description=description, group=group, evidence=ev
            )
        )
        service = self.facts.service
        lists = {
            CodeType.CPT: service.cpt_codes,
            CodeType.HCPCS: service.hcpcs_codes,
            CodeType.ICD10CM: service.diagnosis_codes,
        }
        if code_type in lists:
            lists[code_type].append(code)
        self.trace.merged_fields.append(path)

    def _reject(self, path: str, kind: RejectionKind) -> None:
        self.trace.reject(self.stage, path, kind)
        log.info(
            "llm.rejected_hallucination",
            case_id=self.case_id,
            stage=self.stage,
            field=path,
            kind=kind,
        )
