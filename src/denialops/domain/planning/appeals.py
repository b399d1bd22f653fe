"""Guides for the routes whose best next action is an appeal.

Prior authorization, medical necessity, coverage exclusion, out of network and timely filing:
each plan collects support first, then appeals ahead of the deadline, with the route's own
alternatives (peer-to-peer, retro-authorization, network exception, external review ...).
"""

from __future__ import annotations

from typing import Final

from denialops.domain.facts import RouteName
from denialops.domain.plan import Party
from denialops.domain.planning.common import (
    APPEAL_LETTER,
    CALL_SCRIPT,
    CLAIM_FILE,
    CORRECTED_CLAIM,
    DUE_GATHER,
    DUE_SUBMIT,
    EXTERNAL_REVIEW,
    NETWORK_EXCEPTION,
    NO_SURPRISES,
    PEER_TO_PEER,
    REGULATOR,
    RETRO_AUTH,
    SEND_PROOF,
    Guide,
    StepSpec,
    call_step,
)

PRIOR_AUTH: Final = Guide(
    recommendation="Ask the provider's office to check for an approval on file and, if there "
    "was none, to request a retroactive authorization from {payer}; appeal the denial if the "
    "plan refuses. The provider usually handles prior authorization, so start with their "
    "billing office.",
    steps=(
        call_step(
            Party.BILLING_STAFF,
            "Confirm that {service} needed prior authorization, whether any approval is on file "
            "(perhaps under another code or date), and whether the plan accepts retroactive "
            "requests.",
        ),
        StepSpec(
            "Check the provider's records for an authorization",
            "If an approval or reference number exists, send it to {payer} and ask for the "
            "claim to be reprocessed; no appeal is needed then.",
            Party.PROVIDER,
        ),
        StepSpec(
            "Request a retroactive authorization",
            "Send the plan the clinical notes that show why {service} was needed, and why it "
            "could not wait for approval if it was urgent (see pa_checklist.md).",
            Party.PROVIDER,
            DUE_GATHER,
        ),
        StepSpec(
            "Get a supporting letter from the treating doctor",
            "A short letter saying why {service} was necessary and urgent strengthens both the "
            "retro-authorization request and the appeal.",
            Party.CLINICIAN,
            DUE_GATHER,
        ),
        StepSpec(
            "Send the appeal",
            "If the plan refuses retro-authorization, send appeal_letter.md with the doctor's "
            "letter and records. " + SEND_PROOF,
            Party.PATIENT,
            DUE_SUBMIT,
        ),
        StepSpec(
            "Follow up on the decision",
            "If you have not heard back within 30 days of sending, call {payer} and ask for "
            "the status; ask the provider not to send the bill to collections meanwhile.",
            Party.PATIENT,
        ),
    ),
    gather=(
        "Any authorization or referral number the provider obtained",
        "The doctor's notes showing why the service was needed, and why it was urgent if it was",
        "The plan's prior authorization list or policy for this service",
    ),
    other_options=(CLAIM_FILE, RETRO_AUTH, PEER_TO_PEER, EXTERNAL_REVIEW, REGULATOR),
    documents=(CALL_SCRIPT, "pa_checklist.md", APPEAL_LETTER),
    needs=("service.diagnosis_codes", "service.provider_npi", "contact_info.address"),
)

MEDICAL_NECESSITY: Final = Guide(
    recommendation="Appeal, with a letter from the treating doctor explaining why {service} "
    "was medically necessary for you, and ask the doctor to request a peer-to-peer review with "
    "the plan's medical reviewer.",
    steps=(
        call_step(
            Party.PATIENT,
            "Ask which clinical criteria or guideline {payer} used to decide, and how to send an "
            "appeal.",
        ),
        StepSpec(
            "Ask for a peer-to-peer review",
            "The treating doctor can ask to discuss the case with the plan's medical reviewer; "
            "this can reverse the denial before a written appeal.",
            Party.PROVIDER,
        ),
        StepSpec(
            "Get a letter of medical necessity",
            "Ask the treating doctor to fill in medical_necessity_letter_template.md: your "
            "diagnosis, treatments already tried, and why {service} was the right care.",
            Party.CLINICIAN,
            DUE_GATHER,
        ),
        StepSpec(
            "Collect the medical records",
            "Visit notes, test results and imaging reports that support the doctor's letter.",
            Party.PROVIDER,
            DUE_GATHER,
        ),
        StepSpec(
            "Send the appeal",
            "Send appeal_letter.md with the doctor's letter and the records. " + SEND_PROOF,
            Party.PATIENT,
            DUE_SUBMIT,
        ),
        StepSpec(
            "Ask for an external review if the appeal fails",
            "If {payer} upholds the denial, ask for an independent external review; the "
            "decision letter explains how.",
            Party.PATIENT,
        ),
    ),
    gather=(
        "Medical records: visit notes, test results, imaging reports",
        "A list of treatments already tried and why they did not work",
        "A letter of medical necessity from the treating doctor",
        "The clinical policy or criteria the plan used (ask for it)",
        "Published guidelines or studies that support the treatment (the doctor can cite them)",
    ),
    other_options=(CLAIM_FILE, PEER_TO_PEER, EXTERNAL_REVIEW, REGULATOR),
    documents=(CALL_SCRIPT, APPEAL_LETTER, "medical_necessity_letter_template.md"),
    needs=("service.diagnosis_codes", "contact_info.address"),
)

COVERAGE_EXCLUSION: Final = Guide(
    recommendation="Find the exact plan provision {payer} relies on, then appeal if {service} "
    "fits a covered benefit or an exception; if it is truly excluded, ask the doctor about a "
    "covered alternative.",
    steps=(
        call_step(
            Party.PATIENT,
            "Ask which section of the plan excludes {service}, and where it appears in the plan "
            "documents.",
        ),
        StepSpec(
            "Read the plan's own wording",
            "Get the Summary of Benefits and Coverage and the Evidence of Coverage, and check "
            "the exclusion with coverage_review_checklist.md: does it really name this service?",
            Party.PATIENT,
        ),
        StepSpec(
            "Ask the doctor how the service should be described",
            "The doctor can explain what {service} treats; it may fall under a covered benefit, "
            "or a covered alternative may exist.",
            Party.CLINICIAN,
            DUE_GATHER,
        ),
        StepSpec(
            "Send the appeal",
            "Send appeal_letter.md explaining why the exclusion does not apply, quoting the "
            "plan's wording. " + SEND_PROOF,
            Party.PATIENT,
            DUE_SUBMIT,
        ),
        StepSpec(
            "Ask for an external review if the appeal fails",
            "If {payer} upholds the denial, ask whether an independent external review is "
            "available for this decision.",
            Party.PATIENT,
        ),
    ),
    gather=(
        "Your plan documents: the Summary of Benefits and Coverage and the Evidence of Coverage",
        "The exact plan section the plan cites for the exclusion",
        "A letter from the doctor describing the service and what it treats",
    ),
    other_options=(CLAIM_FILE, EXTERNAL_REVIEW, REGULATOR),
    documents=(CALL_SCRIPT, APPEAL_LETTER, "coverage_review_checklist.md"),
    needs=("payer.plan_name", "contact_info.address"),
)

OUT_OF_NETWORK: Final = Guide(
    recommendation="Ask {payer} to treat the care as in-network (a network exception), and "
    "check whether the No Surprises Act protects you: it usually does for emergency care and "
    "for out-of-network clinicians at in-network facilities.",
    steps=(
        call_step(
            Party.PATIENT,
            "Confirm the provider's network status on the date of service and ask how to request "
            "a network exception.",
        ),
        StepSpec(
            "Check the No Surprises Act protections",
            "If this was emergency care, or an out-of-network clinician at an in-network "
            "facility, you should owe only your in-network cost share.",
            Party.PATIENT,
        ),
        StepSpec(
            "Ask the provider about its network status",
            "The provider may be in network under another name or group; ask it not to send the "
            "bill to collections while you appeal.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Get a letter explaining why this provider was needed",
            "The referring doctor can explain why no suitable in-network provider was available "
            "(distance, wait time or specialty).",
            Party.CLINICIAN,
            DUE_GATHER,
        ),
        StepSpec(
            "Send the network exception request and appeal",
            "Send network_exception_request.md and appeal_letter.md together. " + SEND_PROOF,
            Party.PATIENT,
            DUE_SUBMIT,
        ),
    ),
    gather=(
        "Proof the care was an emergency, or that you did not choose the out-of-network provider",
        "Notes of your search for in-network providers (names, dates, wait times)",
        "The referral, if your doctor referred you",
        "Any bill you have received from the provider",
    ),
    other_options=(CLAIM_FILE, NETWORK_EXCEPTION, NO_SURPRISES, REGULATOR),
    documents=(CALL_SCRIPT, APPEAL_LETTER, "network_exception_request.md"),
    needs=("payer.plan_name", "contact_info.address"),
)

TIMELY_FILING: Final = Guide(
    recommendation="Find proof that the claim was first sent on time (clearinghouse acceptance "
    "reports, payer acknowledgments) and appeal with it. A timely filing denial is usually the "
    "provider's to resolve: ask the provider not to bill you for it.",
    steps=(
        call_step(
            Party.BILLING_STAFF,
            "Ask which filing limit {payer} applied and the date it says the claim arrived.",
        ),
        StepSpec(
            "Collect proof of timely filing",
            "Clearinghouse acceptance reports, payer acknowledgments, and every earlier "
            "submission and rejection for this claim (see timely_filing_proof_request.md).",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Check for a reason the claim was late",
            "Retroactive eligibility, another payer's late decision or a payer error can each "
            "justify a late claim; document any that applies.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Send the appeal with the proof",
            "Send appeal_letter.md with the proof of the first submission. " + SEND_PROOF,
            Party.BILLING_STAFF,
            DUE_SUBMIT,
        ),
        StepSpec(
            "Do not pay a bill for this claim yet",
            "If you receive a bill, ask the provider to hold it while the filing dispute is "
            "resolved.",
            Party.PATIENT,
        ),
    ),
    gather=(
        "Clearinghouse acceptance reports and payer acknowledgments for each submission",
        "The dates of the first and every later submission",
        "Proof of any reason for a late claim (retroactive eligibility, another payer's delay)",
    ),
    other_options=(CLAIM_FILE, CORRECTED_CLAIM, REGULATOR),
    documents=(CALL_SCRIPT, "timely_filing_proof_request.md", APPEAL_LETTER),
    needs=("service.provider_npi", "contact_info.address"),
)

APPEAL_GUIDES: Final[dict[RouteName, Guide]] = {
    RouteName.PRIOR_AUTH_NEEDED: PRIOR_AUTH,
    RouteName.MEDICAL_NECESSITY_APPEAL: MEDICAL_NECESSITY,
    RouteName.COVERAGE_EXCLUSION: COVERAGE_EXCLUSION,
    RouteName.OUT_OF_NETWORK: OUT_OF_NETWORK,
    RouteName.TIMELY_FILING: TIMELY_FILING,
}
