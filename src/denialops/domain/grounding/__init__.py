"""The grounding guarantee (PRODUCT.md §2, stage 7): a generated document may state no code,
date, amount, phone number or citation that the facts, the plan rules or the action plan's
deadlines (dates derived from the facts) do not.

    truth = GroundTruth.from_facts(facts, plan, plan_rules, extra_dates=[today])
    report = check_text("appeal_letter.md", text, truth)
    if not report.ok: ...  # report.violations say what, where (offsets, line) and of which kind

A value is compared in normal form, so a fact may be printed in any common notation: a date in
any format, "$2,500.00" for 2500, "(800) 555-0142" for "1-800-555-0142", "CO 197" for "CO-197",
"M23205" for "M23.205". Any other run of five or more digits must be an identifier the facts
hold. Placeholders ("None", "null", "{{", a "Claim Number:" label with nothing after it) are
always violations. Pure: no I/O; each document is scanned once, in linear time.
"""

from denialops.domain.grounding.check import (
    KINDS,
    GroundingReport,
    Kind,
    Violation,
    check_documents,
    check_text,
)
from denialops.domain.grounding.truth import GroundTruth

__all__ = [
    "KINDS",
    "GroundTruth",
    "GroundingReport",
    "Kind",
    "Violation",
    "check_documents",
    "check_text",
]
