"""The curated phrase table: which words in a letter point at which route, and how strongly.

Phrases are lower-case; a space in a phrase matches any run of spaces, line breaks, hyphens or
slashes in the letter ("out of network" matches "out-of-\nnetwork"). Matching is whole-word and
longest-first, so "not a covered benefit" wins over "covered benefit" and a neutral phrase such
as "letter of medical necessity" swallows the "medical necessity" inside it.

Weights are tiers: STRONG for wording that names the reason outright, MEDIUM for wording that
usually goes with it, WEAK for words that also turn up for other reasons. A negative weight is a
counter-phrase ("authorization is not required"). The context the phrase sits in (stated
reason, body, boilerplate) scales the weight later; see `context`.

Every phrase must contain one of `ANCHORS`: the scanner finds anchors with fast substring search
and runs the phrase regex only around them, which keeps a 10 MB text well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from denialops.domain.codes_data import CC, CE, COB, DUP, EL, MN, ON, PA, RR, TF
from denialops.domain.facts import RouteName

STRONG: Final = 2.5
MEDIUM: Final = 1.5
WEAK: Final = 0.75
COUNTER: Final = -1.5

#: (route or None for a neutral phrase, weight, phrases)
_TABLE: Final[tuple[tuple[RouteName | None, float, tuple[str, ...]], ...]] = (
    (PA, STRONG, (
        "prior authorization was not obtained", "prior authorization was not received",
        "prior authorization was not requested", "prior authorization was not on file",
        "no prior authorization", "no authorization", "no authorization on file",
        "no valid authorization", "without prior authorization", "without authorization",
        "without an authorization", "without a prior authorization", "without precertification",
        "authorization was not obtained", "authorization was not on file",
        "authorization was not requested", "did not obtain prior authorization",
        "did not obtain authorization", "failed to obtain prior authorization",
        "not prior authorized", "not preauthorized", "not pre authorized", "not precertified",
        "not pre certified", "precertification was not obtained", "no precertification",
        "authorization expired", "authorization has expired", "authorization had expired",
        "expired authorization", "expired prior authorization", "invalid authorization",
        "authorization is invalid", "authorization number is missing", "missing authorization",
        "authorization does not match", "exceeded the authorized", "exceeds the authorized",
        "more than the authorized", "requires prior authorization", "require prior authorization",
        "required prior authorization", "requires preauthorization", "requires precertification",
        "prior authorization is required", "prior authorization was required",
        "authorization is required", "authorization was required",
        "prior approval was not obtained", "no prior approval", "without prior approval",
    )),
    (PA, MEDIUM, (
        "prior authorization", "preauthorization", "pre authorization", "precertification",
        "pre certification", "prior approval", "prior auth", "no referral", "without a referral",
    )),
    (PA, WEAK, ("authorization", "authorized", "referral")),
    (PA, COUNTER, (
        "no authorization is required", "no prior authorization is required",
        "does not require prior authorization", "did not require prior authorization",
        "does not require authorization", "no authorization required",
        "no prior authorization required", "prior authorization not required",
        "authorization not required",
    )),
    (MN, STRONG, (
        "not medically necessary", "not medically appropriate", "medically unnecessary",
        "not considered medically necessary", "not deemed medically necessary",
        "does not meet medical necessity", "did not meet medical necessity",
        "does not meet the criteria for medical necessity",
        "did not meet the criteria for medical necessity",
        "does not meet our medical necessity criteria", "does not meet medical necessity criteria",
        "medical necessity criteria", "medical necessity not met",
        "medical necessity was not established", "lack of medical necessity",
        "not shown to be medically necessary", "does not support the medical necessity",
        "experimental", "investigational", "experimental or investigational", "unproven",
        "not proven", "not been proven", "level of care", "lower level of care",
        "inpatient level of care", "clinical criteria were not met", "criteria were not met",
        "does not meet clinical criteria", "does not meet the clinical criteria",
    )),
    (MN, MEDIUM, ("medical necessity", "medically necessary", "clinical criteria")),
    (CE, STRONG, (
        "not a covered benefit", "not a covered service", "not a covered expense",
        "not covered under your plan", "not covered under your benefit plan",
        "not covered under the plan", "not covered by your plan", "not covered by the plan",
        "not covered under your policy", "not covered by your policy",
        "not covered under your benefits", "not a benefit", "not a benefit of your plan",
        "non covered service", "noncovered service", "non covered benefit", "non covered charge",
        "excluded from coverage", "excluded under your plan", "excluded by your plan",
        "specifically excluded", "plan exclusion", "policy exclusion", "benefit exclusion",
        "contract exclusion", "exclusion", "exclusions", "excluded", "cosmetic",
        "benefit maximum", "maximum benefit", "benefit limit", "lifetime maximum",
        "benefits have been exhausted", "benefit has been exhausted",
    )),
    (CE, MEDIUM, (
        "not covered", "noncovered", "non covered", "plan does not cover", "does not cover",
    )),
    (CE, WEAK, ("limitations and exclusions", "coverage requirements")),
    (ON, STRONG, (
        "out of network", "out of network provider", "non participating", "nonparticipating",
        "not in network", "not in the network", "not in our network", "not in your network",
        "not a network provider", "not a participating", "not participating",
        "does not participate", "did not participate", "not contracted", "non contracted",
        "noncontracted", "not a contracted", "not an in network", "not under contract",
        "no contract with", "does not have a contract", "outside the network",
        "outside of the network", "outside your network", "outside of your network",
        "network exception", "in network exception",
        "no surprises act", "surprise billing", "surprise bill",
    )),
    (ON, MEDIUM, ("in network rates", "in network rate", "network provider")),
    (TF, STRONG, (
        "timely filing", "timely filing limit", "filing limit", "filing deadline",
        "filing time limit", "time limit for filing", "submitted after the", "submitted after",
        "received after the", "filed after the", "not filed timely", "not filed within",
        "not submitted timely", "not received timely", "untimely", "filed late", "late filing",
        "past the filing", "beyond the filing", "exceeds the filing", "outside the filing",
    )),
    (EL, STRONG, (
        "coverage terminated", "coverage was terminated", "coverage has terminated",
        "coverage had terminated", "coverage ended", "coverage had ended", "coverage has ended",
        "terminated coverage", "policy terminated", "policy was terminated", "policy lapsed",
        "coverage lapsed", "lapse in coverage", "gap in coverage", "no active coverage",
        "coverage was not active", "coverage was not in effect", "coverage not in effect",
        "not in effect", "was not effective", "not eligible", "were not eligible",
        "was not eligible", "not an eligible", "ineligible", "not enrolled", "was not enrolled",
        "not a covered dependent", "not an eligible dependent", "before coverage began",
        "before your coverage began", "before the effective date", "prior to the effective date",
        "prior to your effective date", "after coverage ended", "after your coverage ended",
        "after the termination date", "no coverage on the date of service",
        "not covered on the date of service",
    )),
    (EL, MEDIUM, ("eligibility", "not eligible for coverage", "termination date")),
    (COB, STRONG, (
        "other insurance", "other health insurance", "other health coverage", "other coverage",
        "another insurance", "another insurer", "another payer", "other payer", "other carrier",
        "another carrier", "primary payer", "primary insurance", "primary insurer",
        "primary carrier", "primary plan", "secondary payer", "secondary insurance",
        "coordination of benefits", "cob", "primary eob", "primary explanation of benefits",
        "workers compensation", "workers comp", "third party liability", "liability carrier",
        "subrogation", "pays first", "pays second", "pays secondary",
        "plan is primary", "coverage is primary", "insurance is primary", "insurer is primary",
        "payer is primary", "medicare is primary", "medicare secondary payer",
    )),
    (COB, MEDIUM, ("primary coverage", "pay first", "paid first")),
    (COB, WEAK, ("employer plan", "employer group health plan")),
    (DUP, STRONG, (
        "duplicate", "duplicate claim", "duplicate submission", "duplicate service",
        "duplicate billing", "duplicate of", "exact duplicate", "previously processed",
        "previously adjudicated", "previously billed", "already been processed",
        "already processed", "already been billed",
    )),
    (DUP, MEDIUM, ("previously submitted", "previously paid", "already been paid", "already paid")),
    (RR, STRONG, (
        "please submit medical records", "please submit the medical records",
        "please submit records", "please send medical records", "please send the medical records",
        "please provide medical records", "please provide the medical records",
        "submit medical records", "submit the medical records", "send the medical records",
        "medical records are needed", "medical records are required",
        "medical records were not received", "records were not received", "records requested",
        "records have not been received", "requested records", "request for records",
        "request for medical records", "requested medical records", "records are needed",
        "need medical records", "need the medical records", "need additional information",
        "need additional documentation", "additional documentation is needed",
        "additional documentation is required", "additional information is needed",
        "additional information is required", "additional information needed",
        "information requested", "requested information", "information was not received",
        "information has not been received", "documentation was not received",
        "documentation has not been received", "documentation is required",
        "documentation is needed", "not received the requested information",
        "not received the requested records", "pending medical records",
        "pending additional information", "attachment is required", "attachments are required",
        "need more information", "needs more information", "more information is needed",
        "more information is required",
    )),
    (RR, MEDIUM, (
        "medical records", "additional documentation", "additional information",
        "supporting documentation", "clinical records", "insufficient documentation",
        "incomplete documentation", "send the records", "send us the records",
    )),
    (RR, WEAK, (
        "itemized bill", "itemized statement", "operative report", "office notes",
        "progress notes", "visit notes", "trip report",
    )),
    (CC, STRONG, (
        "invalid procedure code", "invalid diagnosis code", "invalid code", "invalid modifier",
        "invalid modifier combination", "modifier combination", "modifier is invalid",
        "modifier is missing", "missing modifier", "incorrect modifier", "inappropriate modifier",
        "modifier usage", "incorrect procedure code", "incorrect diagnosis code",
        "incorrect code", "incorrectly coded", "incorrect coding", "coding error",
        "billing error", "billing errors", "submission error", "missing or invalid",
        "missing or incomplete", "missing incomplete or invalid", "missing information",
        "information is missing", "missing data", "lacks information", "bundled", "unbundled",
        "unbundling", "not separately payable", "not paid separately",
        "not separately reimbursable", "not eligible for separate reimbursement",
        "not eligible for separate payment", "mutually exclusive", "npi mismatch",
        "npi does not match", "invalid npi", "missing npi", "does not match our records",
        "diagnosis is inconsistent", "inconsistent with the procedure", "invalid place of service",
        "incorrect place of service", "invalid date of service", "corrected claim",
        "resubmit the claim", "resubmit a corrected claim", "submit a corrected claim",
        "resubmit the corrected claim", "correct and resubmit",
    )),
    (CC, MEDIUM, ("inconsistent with", "resubmit")),
    (CC, WEAK, ("modifier", "npi")),
    (None, 0.0, (
        "authorization reference", "authorization number", "authorized representative",
        "letter of medical necessity", "statement of medical necessity",
        "not eligible for reimbursement", "not eligible for payment",
        "if we need more information", "if we need additional information",
        "you need more information",
    )),
)  # fmt: skip

#: Every phrase contains at least one of these (checked at import).
ANCHORS: Final = (
    "auth", "certif", "appropriat", "approv", "referral", "necess", "experiment", "investig",
    "proven", "level", "criteria", "cover", "exclu", "benefit", "cosmetic", "maximum",
    "network", "particip", "contract", "surprise", "timely", "filing", "filed", "after",
    "eligib", "enroll", "terminat", "effect", "lapse", "insur", "payer", "primary", "coordinat",
    "cob", "carrier", "workers", "first", "second", "employer", "liabil", "subrogat", "duplicat",
    "previous", "already", "record", "document", "informat", "attach", "modifier", "bundl",
    "invalid", "npi", "itemiz", "operative", "notes", "trip report",
    "inconsistent", "missing", "correct", "coding", "error", "separate", "resubmit",
)  # fmt: skip

SEPARATOR: Final = r"[\s\-/]+"
_Trie = dict[str, "_Trie"]
_SEPARATOR_RE: Final = re.compile(SEPARATOR)


@dataclass(frozen=True, slots=True)
class Phrase:
    """One curated phrase: its canonical text, the route it points at (None: neutral), weight."""

    text: str
    route: RouteName | None
    weight: float


def normalize(text: str) -> str:
    """Lower-case and collapse separators, so any spelling of a phrase maps to its key."""
    return _SEPARATOR_RE.sub(" ", text.lower()).strip()


def _build_index() -> dict[str, Phrase]:
    index: dict[str, Phrase] = {}
    for route, weight, phrases in _TABLE:
        for raw in phrases:
            key = normalize(raw)
            if key in index:
                raise ValueError(f"phrase listed twice: {key!r}")
            if not any(anchor in key for anchor in ANCHORS):
                raise ValueError(f"phrase has no anchor: {key!r}")
            index[key] = Phrase(key, route, weight)
    return index


def _trie_pattern(phrases: list[str]) -> str:
    """One regex for all phrases, shaped as a character trie so matching does not try every
    phrase at every position; `?` after a shared prefix makes longer phrases win."""
    trie: _Trie = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        ends_here = "" in node
        branches = [
            (SEPARATOR if ch == " " else re.escape(ch)) + emit(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        if len(branches) == 1 and not ends_here:
            return branches[0]
        group = "(?:" + "|".join(branches) + ")"
        return group + "?" if ends_here else group

    return r"\b(?:" + emit(trie) + r")\b"


PHRASES: Final[dict[str, Phrase]] = _build_index()
PHRASE_RE: Final = re.compile(_trie_pattern(sorted(PHRASES)))
#: The longest phrase, in characters: how far a match can reach before or after its anchor.
MAX_PHRASE_CHARS: Final = max(len(key) for key in PHRASES)
