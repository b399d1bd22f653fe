"""Helpers shared by the `extract_facts` tests: build a letter, check evidence."""

from __future__ import annotations

from textwrap import dedent

from denialops.domain.facts import CaseFacts, Evidence, ExtractedText, PageText
from denialops.pipeline.facts import extract_facts


def letter(*pages: str) -> ExtractedText:
    """An extracted letter from page texts (dedented, so tests can indent them)."""
    return ExtractedText(
        source_type="text/plain",
        pages=[PageText(number=i, text=dedent(t).strip("\n")) for i, t in enumerate(pages, 1)],
    )


def facts_of(*pages: str) -> CaseFacts:
    """`extract_facts` over a letter written in the test; every evidence is checked."""
    extracted = letter(*pages)
    facts = extract_facts(extracted)
    assert_evidence_holds(extracted, facts)
    return facts


def all_evidence(facts: CaseFacts) -> list[Evidence]:
    """Every evidence in the facts: per field and per code."""
    found = list(facts.evidence.values())
    found += [code.evidence for code in facts.denial_codes if code.evidence is not None]
    return found


def assert_evidence_holds(extracted: ExtractedText, facts: CaseFacts) -> None:
    """Each quote is exactly its page's text between its offsets, on an existing page."""
    pages = {page.number: page.text for page in extracted.pages}
    for evidence in all_evidence(facts):
        assert evidence.page in pages
        assert 0 <= evidence.start < evidence.end <= len(pages[evidence.page])
        assert pages[evidence.page][evidence.start : evidence.end] == evidence.quote
    for path in facts.evidence:
        assert path not in facts.missing_info
