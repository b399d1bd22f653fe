"""Guides for the routes fixed by correcting or completing information, not by arguing.

Claim correction, eligibility, coordination of benefits, duplicate claims and records requests,
plus the two plans for a decision with nothing to appeal: an unprocessable claim (fix it and
send it again) and cost sharing (check the math against the EOB).
"""

from __future__ import annotations

from typing import Final

from denialops.domain.facts import RouteName
from denialops.domain.plan import Party
from denialops.domain.planning.common import (
    BILLING_HELP,
    CALL_SCRIPT,
    CLAIM_FILE,
    CORRECTED_CLAIM,
    DUE_BACKSTOP,
    DUE_SUBMIT,
    OTHER_COVERAGE,
    REGULATOR,
    SEND_PROOF,
    Guide,
    StepSpec,
    call_step,
)

_BACKSTOP = StepSpec(
    "Appeal if the claim is still denied",
    "If {payer} still denies the claim, ask for the appeal process before the appeal deadline "
    "runs out.",
    Party.BILLING_STAFF,
    DUE_BACKSTOP,
)

CLAIM_CORRECTION: Final = Guide(
    recommendation="Find the error on the claim, correct it and send a corrected claim to "
    "{payer}; for a coding or data error, an appeal is not the first step.",
    steps=(
        call_step(
            Party.BILLING_STAFF, "Ask exactly which code, modifier or field {payer} rejected."
        ),
        StepSpec(
            "Compare the claim with the medical record",
            "Check the procedure and diagnosis codes, modifiers, provider NPI, date of service "
            "and member ID against the record (see resubmit_checklist.md).",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Confirm the documentation supports the codes",
            "The clinician confirms what was done, so the corrected codes match the record.",
            Party.CLINICIAN,
        ),
        StepSpec(
            "Send the corrected claim",
            "Mark it as a replacement of the original claim and include the original claim "
            "number, so the plan does not reject it as a duplicate.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Hold any bill for this claim",
            "If you receive a bill, ask the provider to hold it until the corrected claim is "
            "processed.",
            Party.PATIENT,
        ),
        _BACKSTOP,
    ),
    gather=(
        "A copy of the claim as it was sent",
        "The medical record for the date of service (to check codes and modifiers)",
        "The provider's NPI as enrolled with the plan",
    ),
    other_options=(CLAIM_FILE, CORRECTED_CLAIM, REGULATOR),
    documents=(CALL_SCRIPT, "resubmit_checklist.md"),
    needs=("service.diagnosis_codes", "service.provider_npi"),
)

ELIGIBILITY: Final = Guide(
    recommendation="Confirm your coverage on the date of service. If you were covered, send "
    "proof so {payer} corrects its records and reprocesses the claim; if you were not, find "
    "out which coverage you had that day.",
    steps=(
        call_step(
            Party.PATIENT,
            "Ask which coverage dates, member ID, name and date of birth {payer} has on file.",
        ),
        StepSpec(
            "Collect proof of coverage",
            "Your insurance card, enrollment confirmation, premium payment records or a letter "
            "from your employer or the marketplace.",
            Party.PATIENT,
        ),
        StepSpec(
            "Check the insurance details the provider billed",
            "The provider verifies the member ID and subscriber on the claim and bills the "
            "right plan if they differ.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Send the eligibility update",
            "Send eligibility_update_letter.md with the proof and ask for the claim to be "
            "reprocessed; if the plan still says you were not covered, appeal. " + SEND_PROOF,
            Party.PATIENT,
            DUE_SUBMIT,
        ),
    ),
    gather=(
        "Proof of coverage on the date of service: insurance card, enrollment confirmation, "
        "premium payment records",
        "A letter from your employer or the marketplace confirming your enrollment dates",
        "Details of any other coverage you had that day",
    ),
    other_options=(CLAIM_FILE, OTHER_COVERAGE, REGULATOR),
    documents=(CALL_SCRIPT, "eligibility_update_letter.md"),
    needs=("payer.group_number",),
)

COORDINATION: Final = Guide(
    recommendation="Tell {payer} about all your other coverage (or that you have none) so it "
    "can decide which plan pays first, then ask it to reprocess the claim.",
    steps=(
        call_step(
            Party.PATIENT,
            "Ask what coordination-of-benefits information {payer} needs and whether it has a "
            "form for it.",
        ),
        StepSpec(
            "Send the coordination of benefits update",
            "Fill in cob_update_letter.md listing every other plan you had on the date of "
            "service, or stating that you had none. " + SEND_PROOF,
            Party.PATIENT,
        ),
        StepSpec(
            "Bill the primary plan first",
            "The provider bills the plan that pays first, then sends this plan the primary "
            "plan's EOB.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Ask for the claim to be reprocessed",
            "Once the update is on file, ask {payer} to reprocess the claim; check again if "
            "nothing changes within 30 days.",
            Party.PATIENT,
        ),
        _BACKSTOP,
    ),
    gather=(
        "Details of all other coverage: plan name, member ID, policyholder, start and end dates",
        "The other plan's EOB for this claim, if it paid first",
    ),
    other_options=(CLAIM_FILE, OTHER_COVERAGE, REGULATOR),
    documents=(CALL_SCRIPT, "cob_update_letter.md"),
    needs=("payer.group_number",),
)

DUPLICATE: Final = Guide(
    recommendation="Check whether the original claim was already paid or is still being "
    "processed; if so there is nothing to do. If the services were distinct, send a corrected "
    "claim that shows why.",
    steps=(
        call_step(
            Party.BILLING_STAFF,
            "Ask which earlier claim {payer} matched this one to, and that claim's status.",
        ),
        StepSpec(
            "Look up the original claim",
            "If it was paid or is still processing, do not send the claim again: repeated "
            "submissions only delay payment (see duplicate_claim_checklist.md).",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Confirm whether the services were distinct",
            "If two services really happened, the clinician's notes must show each one.",
            Party.CLINICIAN,
        ),
        StepSpec(
            "Send a corrected claim for a distinct service",
            "Use the modifier that marks a separate service and attach the notes.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Compare your EOBs before paying",
            "Do not pay a bill for this claim until the original claim is settled.",
            Party.PATIENT,
        ),
        _BACKSTOP,
    ),
    gather=(
        "The original claim's number, submission date and status",
        "Both EOBs (the original and the duplicate)",
        "Notes showing the services were distinct, if they were",
    ),
    other_options=(CLAIM_FILE, CORRECTED_CLAIM, REGULATOR),
    documents=(CALL_SCRIPT, "duplicate_claim_checklist.md"),
)

RECORDS: Final = Guide(
    recommendation="Send the records {payer} asked for, quickly and with a cover letter naming "
    "the claim: the claim is waiting for them, not finally denied.",
    steps=(
        call_step(
            Party.BILLING_STAFF,
            "Ask exactly which records {payer} needs, where to send them and by when.",
        ),
        StepSpec(
            "Collect the records",
            "Visit notes, operative reports and test results for the date of service.",
            Party.PROVIDER,
        ),
        StepSpec(
            "Sign a release if one is needed",
            "The provider or plan may need your written permission to share the records.",
            Party.PATIENT,
        ),
        StepSpec(
            "Send the records with the cover letter",
            "Send them with records_cover_letter.md. " + SEND_PROOF,
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Confirm the plan received them",
            "Call {payer} a week after sending to confirm the records arrived and are attached "
            "to the claim.",
            Party.BILLING_STAFF,
        ),
        _BACKSTOP,
    ),
    gather=(
        "The exact list of records the plan asked for",
        "Visit notes, operative reports and test results for the date of service",
        "A signed release, if the plan or provider needs one",
        "Where to send them: the fax number or mailing address in the letter",
    ),
    other_options=(CLAIM_FILE, REGULATOR),
    documents=(CALL_SCRIPT, "records_cover_letter.md"),
    needs=("contact_info.fax",),
)

FIX_GUIDES: Final[dict[RouteName, Guide]] = {
    RouteName.CLAIM_CORRECTION_RESUBMIT: CLAIM_CORRECTION,
    RouteName.ELIGIBILITY_ISSUE: ELIGIBILITY,
    RouteName.COORDINATION_OF_BENEFITS: COORDINATION,
    RouteName.DUPLICATE_CLAIM: DUPLICATE,
    RouteName.RECORDS_REQUESTED: RECORDS,
}

# Decisions with nothing to appeal replace the route's steps (the route's documents stay).
UNPROCESSABLE: Final = Guide(
    recommendation="There is nothing to appeal: {payer} returned the claim as unprocessable "
    "because information was missing or wrong. Fix the claim and send it again as a new claim.",
    steps=(
        call_step(Party.BILLING_STAFF, "Ask exactly which information was missing or invalid."),
        StepSpec(
            "Fix the claim",
            "Correct or complete the information the plan named, checking it against the "
            "medical record.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Send it as a new claim",
            "An unprocessable claim was never accepted, so send a new claim rather than an "
            "appeal or a replacement.",
            Party.BILLING_STAFF,
        ),
        StepSpec(
            "Hold any bill for this claim",
            "If you receive a bill, ask the provider to hold it until the new claim is processed.",
            Party.PATIENT,
        ),
    ),
    gather=(
        "A copy of the claim as it was sent",
        "The medical record for the date of service",
    ),
    other_options=(CLAIM_FILE, REGULATOR),
    documents=(),
    needs=("service.provider_npi",),
)

COST_SHARE: Final = Guide(
    recommendation="There is nothing to appeal: {payer} processed the claim, and the amount "
    "left is your share of the cost (deductible, coinsurance or copay). Check the math against "
    "your EOB before you pay.",
    steps=(
        StepSpec(
            "Compare the bill with your EOB",
            "The provider's bill should not ask for more than the EOB lists as your share.",
            Party.PATIENT,
        ),
        StepSpec(
            "Check your deductible and out-of-pocket totals",
            "Ask {payer} (or check its website) how much of your deductible and out-of-pocket "
            "maximum you have met this year.",
            Party.PATIENT,
        ),
        call_step(Party.PATIENT, "If the numbers do not match, ask how your share was worked out."),
        StepSpec(
            "Ask about billing help",
            "Ask the provider for an itemized bill, a payment plan or financial assistance.",
            Party.PATIENT,
        ),
    ),
    gather=("The provider's bill", "Your plan's deductible, coinsurance and copay amounts"),
    other_options=(CLAIM_FILE, BILLING_HELP),
    documents=(),
    needs=("amounts.patient_responsibility",),
)
