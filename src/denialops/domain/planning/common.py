"""The building blocks every route's guide shares: step specs, the call step, other options.

Texts here are our own words with `{payer}`/`{Payer}`/`{phone}`/`{service}` placeholders that
`Words.fill` replaces with facts; they hold no code, date, amount or phone number of their own,
because the grounding validator rejects any that the facts do not contain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from denialops.domain.deadlines import APPEAL_DEADLINE, CALL_PAYER, GATHER_SUPPORT, SUBMIT_APPEAL
from denialops.domain.plan import Party

CALL_SCRIPT: Final = "call_script.md"
APPEAL_LETTER: Final = "appeal_letter.md"

#: A step's date preferences: the first of these deadlines the case has becomes its `due`.
DUE_CALL: Final = (CALL_PAYER,)
DUE_GATHER: Final = (GATHER_SUPPORT,)
DUE_SUBMIT: Final = (SUBMIT_APPEAL, APPEAL_DEADLINE)
DUE_BACKSTOP: Final = (APPEAL_DEADLINE,)


@dataclass(frozen=True, slots=True)
class StepSpec:
    """A step before the facts are filled in; `due` names the deadlines it may be due by."""

    title: str
    detail: str
    responsible: Party
    due: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Guide:
    """What a route's plan says, and which facts it needs beyond the common ones."""

    recommendation: str
    steps: tuple[StepSpec, ...]
    gather: tuple[str, ...]
    other_options: tuple[str, ...]
    documents: tuple[str, ...]
    needs: tuple[str, ...] = ()


def call_step(responsible: Party, ask: str) -> StepSpec:
    """The first step of nearly every plan: ask the payer, before spending effort on a guess."""
    return StepSpec(
        title="Call {payer} and ask for the claim file",
        detail="Call {payer} {phone} with the claim number ready (use call_script.md). "
        + ask
        + " Ask for a free copy of the claim file, and write down the date, the name of the "
        "person you spoke to and the call reference number.",
        responsible=responsible,
        due=DUE_CALL,
    )


SEND_PROOF: Final = (
    "Send it by a method that gives proof of delivery (certified mail, fax confirmation or the "
    "plan's portal receipt) and keep a copy of everything you send."
)

# Other options, beside the recommended action.
CLAIM_FILE: Final = (
    "Call and ask for the claim file: everything the plan used to decide, free of charge, "
    "including any clinical criteria or plan rule it applied."
)
PEER_TO_PEER: Final = (
    "Peer-to-peer review: the treating doctor can ask to discuss the case with the plan's "
    "medical reviewer, which sometimes reverses a denial without a written appeal."
)
CORRECTED_CLAIM: Final = (
    "Corrected claim: if anything on the original claim was wrong, the provider can send a "
    "corrected (replacement) claim instead of appealing."
)
RETRO_AUTH: Final = (
    "Retro-authorization: the provider can ask the plan to approve the service after the fact, "
    "especially if it was urgent or the plan's rules were unclear."
)
NETWORK_EXCEPTION: Final = (
    "Network exception: ask the plan to pay at the in-network level because no suitable "
    "in-network provider was available (distance, wait time or specialty)."
)
NO_SURPRISES: Final = (
    "No Surprises Act protections: for emergency care, and for care from an out-of-network "
    "clinician at an in-network hospital or facility, you should owe no more than your "
    "in-network cost share; you can dispute a bill that asks for more."
)
EXTERNAL_REVIEW: Final = (
    "External review: if the plan upholds the denial after its internal appeal, you can ask for "
    "an independent reviewer outside the plan; the plan must follow that decision."
)
REGULATOR: Final = (
    "Complaint to the regulator: if the plan does not follow its own rules or deadlines, file a "
    "complaint with your state's department of insurance (or the U.S. Department of Labor for "
    "a self-funded employer plan)."
)
OTHER_COVERAGE: Final = (
    "Other coverage: if you had other insurance, Medicaid or COBRA on the date of service, the "
    "provider can bill that coverage instead."
)
BILLING_HELP: Final = (
    "Billing help: ask the provider for an itemized bill, a payment plan or its financial "
    "assistance program."
)
