"""What a document may state: the values traceable to the case's facts and plan rules.

`GroundTruth.from_facts` collects, in normal form (see `values`), every code, date, amount,
phone number, identifier, citation and URL the facts hold, plus the action plan's deadline
dates, their base dates and offsets. Free-text facts (the denial reason, the payer's address,
code descriptions …) and plan rules are read with the same lexer as the documents, so a value
quoted from them is grounded too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from denialops.domain.codes import split_carc
from denialops.domain.facts import CaseFacts, CodeType, DenialCode
from denialops.domain.grounding.lexer import scan
from denialops.domain.grounding.values import (
    CitationKey,
    MonthDay,
    citation_key,
    code_key,
    iso_date,
    money,
    phone_key,
    url_key,
)
from denialops.domain.plan import ActionPlan

#: The shortest run of digits the lexer reads as an identifier.
_MIN_RUN: Final = 5
_DIGIT_RUN: Final = re.compile(rf"\d{{{_MIN_RUN},}}")
_WORD: Final = re.compile(r"[A-Za-z0-9]+")
_ONE_DAY: Final = timedelta(days=1)


@dataclass(frozen=True)
class GroundTruth:
    """The values a generated document may print, each in normal form.

    `identifiers` holds IDs (member, group, claim, NPI), their words and digit runs, bare
    numbers the plan uses (window and offset days), and the digit forms of allowed dates,
    phones and amounts, so an unexplained run of digits can be traced to one of them.
    """

    codes: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    dates: frozenset[date] = frozenset()
    amounts: frozenset[Decimal] = frozenset()
    phones: frozenset[str] = frozenset()
    citations: frozenset[CitationKey] = frozenset()
    urls: frozenset[str] = frozenset()
    month_days: frozenset[MonthDay] = frozenset()

    @classmethod
    def from_facts(
        cls,
        facts: CaseFacts,
        plan: ActionPlan | None = None,
        plan_rules: list[dict[str, Any]] | None = None,
        extra_dates: Iterable[date] = (),
    ) -> GroundTruth:
        """Everything `facts`, `plan` and `plan_rules` state; `extra_dates` are further dates a
        document may print (such as the day it was written)."""
        builder = _Builder()
        builder.add_facts(facts)
        if plan is not None:
            builder.add_plan(plan)
        for rule in plan_rules or []:
            builder.add_rule(rule)
        builder.dates.update(extra_dates)
        return builder.build()

    def code_ok(self, key: str) -> bool:
        """Whether a code or identifier (`code_key` form) is traceable."""
        return key in self.codes or key in self.identifiers

    def citation_ok(self, text: str) -> bool:
        """Whether a printed citation is one a plan rule gives (a bare page citation counts
        when some rule cites that page)."""
        key = citation_key(text)
        if key is None:
            return False
        doc, page, section = key
        if key in self.citations:
            return True
        return not section and any(c[0] == doc and c[1] == page for c in self.citations)

    def url_ok(self, key: str) -> bool:
        """Whether a URL or e-mail address (`url_key` form) is the payer's, or under it."""
        return any(key == url or key.startswith(url + "/") for url in self.urls)

    def date_end_ok(self, day: date) -> bool:
        """Whether a calendar DTEND is an allowed date or the day after one (all-day events
        end, exclusively, on the next day)."""
        return day in self.dates or day - _ONE_DAY in self.dates


@dataclass
class _Builder:
    codes: set[str] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)
    dates: set[date] = field(default_factory=set)
    amounts: set[Decimal] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    citations: set[CitationKey] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)

    def add_facts(self, facts: CaseFacts) -> None:
        for code in facts.denial_codes:
            self.add_code(code)
        service = facts.service
        for listed in (*service.cpt_codes, *service.hcpcs_codes, *service.diagnosis_codes):
            self.codes.add(code_key(listed))
        dates = facts.dates
        for text in (dates.date_of_denial, dates.date_of_service, dates.appeal_deadline):
            self.add_date(iso_date(text))
        if dates.appeal_window_days is not None:
            self.identifiers.add(str(dates.appeal_window_days))
        amounts = facts.amounts
        for amount in (amounts.billed_amount, amounts.allowed_amount, amounts.paid_amount):
            self.add_amount(amount)
        self.add_amount(amounts.patient_responsibility)
        self.add_contacts(facts)
        payer = facts.payer
        for identifier in (payer.member_id, payer.group_number, payer.claim_number):
            self.add_identifier(identifier)
        self.add_identifier(service.provider_npi)
        for text in _free_text(facts):
            self.harvest(text)

    def add_code(self, code: DenialCode) -> None:
        self.codes.add(code_key(code.code))
        if code.code_type is CodeType.CARC:
            group, number = split_carc(code.code)
            self.codes.add(code_key(number))  # "197" when it came as "CO-197"
            if group or code.group:
                self.codes.add(code_key(f"{group or code.group}{number}"))
        if code.description:
            self.harvest(code.description)

    def add_contacts(self, facts: CaseFacts) -> None:
        contact = facts.contact_info
        for number in (contact.phone, contact.fax):
            if number:
                self.phones.add(phone_key(number))
                self.harvest(number)
        for address in (contact.website, contact.email):
            if address:
                self.urls.add(url_key(address))

    def add_identifier(self, text: str | None) -> None:
        if not text:
            return
        self.identifiers.add(code_key(text))
        self.identifiers.update(word.upper() for word in _WORD.findall(text))
        self.harvest(text)

    def add_date(self, day: date | None) -> None:
        if day is not None:
            self.dates.add(day)

    def add_amount(self, amount: Decimal | None) -> None:
        if amount is not None:
            self.amounts.add(money(amount))

    def add_plan(self, plan: ActionPlan) -> None:
        for deadline in plan.deadlines:
            self.add_date(iso_date(deadline.date))
            self.add_date(iso_date(deadline.base_date))
            self.identifiers.add(str(abs(deadline.offset_days)))
        for step in plan.steps:
            self.add_date(iso_date(step.due))

    def add_rule(self, rule: Mapping[str, Any]) -> None:
        """A plan rule's strings: its citation (bracketed or not) and any value its text
        quotes."""
        citation = rule.get("citation")
        if isinstance(citation, str) and citation.strip():
            bracketed = citation.strip()
            if not bracketed.startswith("["):
                bracketed = f"[{bracketed}]"
            self.harvest(bracketed)
        for value in rule.values():
            if isinstance(value, str):
                self.harvest(value)

    def harvest(self, text: str) -> None:
        """Ground every value that `text` (a fact or a plan rule) states."""
        for token in scan(text):
            value = token.value
            if token.form == "date" and isinstance(value, date):
                self.dates.add(value)
            elif token.form == "amount" and isinstance(value, Decimal):
                self.amounts.add(value)
            elif token.form == "phone" and isinstance(value, str):
                self.phones.add(value)
            elif token.form in ("carc", "code", "number") and isinstance(value, str):
                self.identifiers.add(value)
            elif token.form == "citation":
                key = citation_key(token.text)
                if key is not None:
                    self.citations.add(key)
            elif token.form == "url" and isinstance(value, str):
                self.urls.add(value)
        self.identifiers.update(_DIGIT_RUN.findall(text))

    def build(self) -> GroundTruth:
        return GroundTruth(
            codes=frozenset(self.codes),
            identifiers=frozenset(self.identifiers | self._digit_forms()),
            dates=frozenset(self.dates),
            amounts=frozenset(self.amounts),
            phones=frozenset(self.phones),
            citations=frozenset(self.citations),
            urls=frozenset(self.urls),
            month_days=frozenset((d.month, d.day) for d in self.dates),
        )

    def _digit_forms(self) -> set[str]:
        """Allowed dates, phones and amounts written as bare digits (20250304, 8005550142)."""
        forms: set[str] = set()
        for day in self.dates:
            forms.update((day.strftime("%Y%m%d"), day.strftime("%m%d%Y")))
        for phone in self.phones:
            forms.update((phone, f"1{phone}"))
        for amount in self.amounts:
            forms.update((str(int(amount)), str(amount).replace(".", "")))
        return {form for form in forms if len(form) >= _MIN_RUN}


def _free_text(facts: CaseFacts) -> list[str]:
    """The facts stated in words, which a document may quote."""
    texts = [
        facts.denial_reason,
        facts.denial_reason_summary,
        facts.payer.name,
        facts.payer.plan_name,
        facts.payer.plan_type,
        facts.contact_info.address,
        facts.service.description,
        facts.service.provider_name,
    ]
    return [text for text in texts if text]
