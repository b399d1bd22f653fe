"""The CARC and RARC tables behind `domain.codes`: pure data, no logic.

Descriptions are the project's own plain-English summaries, written for patients and billing
staff; they are not the X12 wording. Each entry is `(description, hints)` where `hints` pairs a
route with a weight: 3.0 means the code alone points firmly at that route, 2.0-2.5 a usual
reading, 1.0-1.5 a common secondary reading, 0.5 a faint one. A code with no hints is
informational (cost sharing, contractual adjustments, appeal-rights notices).
"""

from __future__ import annotations

from typing import Final

from denialops.domain.facts import RouteName

Hints = tuple[tuple[RouteName, float], ...]
Entry = tuple[str, Hints]

PA: Final = RouteName.PRIOR_AUTH_NEEDED
CC: Final = RouteName.CLAIM_CORRECTION_RESUBMIT
MN: Final = RouteName.MEDICAL_NECESSITY_APPEAL
CE: Final = RouteName.COVERAGE_EXCLUSION
ON: Final = RouteName.OUT_OF_NETWORK
TF: Final = RouteName.TIMELY_FILING
EL: Final = RouteName.ELIGIBILITY_ISSUE
COB: Final = RouteName.COORDINATION_OF_BENEFITS
DUP: Final = RouteName.DUPLICATE_CLAIM
RR: Final = RouteName.RECORDS_REQUESTED

NONE: Final[Hints] = ()

#: CARCs that are the patient's share of a covered claim, not a denial.
COST_SHARING_CARCS: Final = frozenset({"1", "2", "3", "66"})
#: CARCs that are routine pricing adjustments, not a denial.
ADJUSTMENT_CARCS: Final = frozenset({"45", "59", "94", "253"})
#: RARCs that take away the right to appeal (the claim must be fixed and sent again).
NOT_APPEALABLE_RARCS: Final = frozenset({"MA130", "N211"})

CARCS: Final[dict[str, Entry]] = {
    "1": ("the patient's deductible applies", NONE),
    "2": ("the patient's coinsurance share applies", NONE),
    "3": ("the patient's copay applies", NONE),
    "4": (
        "the procedure code and its modifier do not fit together, or a needed modifier is missing",
        ((CC, 3.0),),
    ),
    "5": ("the procedure code or bill type does not fit the place of service", ((CC, 2.5),)),
    "6": ("the procedure does not fit the patient's age", ((CC, 2.0),)),
    "7": ("the procedure does not fit the patient's sex", ((CC, 2.0),)),
    "8": ("the procedure does not fit the provider's type or specialty", ((CC, 2.0),)),
    "9": ("the diagnosis does not fit the patient's age", ((CC, 2.0),)),
    "10": ("the diagnosis does not fit the patient's sex", ((CC, 2.0),)),
    "11": ("the diagnosis does not support the procedure billed", ((CC, 2.5), (MN, 1.0))),
    "13": ("the service date falls after the recorded date of death", ((EL, 2.0),)),
    "15": (
        "the authorization number is missing, invalid or for a different service",
        ((PA, 2.5), (CC, 1.0)),
    ),
    "16": ("the claim is missing information or has billing errors", ((CC, 2.0), (RR, 1.0))),
    "18": ("the claim or service was already submitted (exact duplicate)", ((DUP, 3.0),)),
    "19": ("a work injury: the workers' compensation carrier should pay", ((COB, 2.5),)),
    "20": ("an injury another party's insurer (liability) should pay", ((COB, 2.5),)),
    "21": ("an injury the no-fault (auto) carrier should pay", ((COB, 2.5),)),
    "22": ("another payer may be primary under coordination of benefits", ((COB, 3.0),)),
    "23": ("the earlier payer's processing changed what we owe", ((COB, 2.0),)),
    "24": ("the charges belong to a capitated or managed-care plan", ((COB, 2.0), (EL, 0.5))),
    "26": ("the service was before the coverage started", ((EL, 3.0),)),
    "27": ("the service was after the coverage ended", ((EL, 3.0),)),
    "29": ("the claim was filed after the filing time limit", ((TF, 3.0),)),
    "31": ("the patient could not be identified as a member", ((EL, 3.0), (CC, 0.5))),
    "32": ("the patient is not an eligible dependent on the policy", ((EL, 3.0),)),
    "35": ("the lifetime benefit maximum has been reached", ((CE, 2.0),)),
    "39": ("the authorization was denied when it was requested", ((PA, 1.5), (MN, 1.2))),
    "40": (
        "the visit does not meet the plan's test for emergency or urgent care",
        ((MN, 2.0), (ON, 0.5)),
    ),
    "45": ("the charge is above the allowed or contracted amount (pricing adjustment)", NONE),
    "49": ("routine or preventive care, or a screening done with it, is not covered", ((CE, 3.0),)),
    "50": ("the payer decided the service was not medically necessary", ((MN, 3.0),)),
    "55": ("the payer treats the service or drug as experimental or investigational", ((MN, 3.0),)),
    "56": ("the payer does not consider the treatment proven effective", ((MN, 3.0),)),
    "58": (
        "the service was given in a place of service the payer does not accept",
        ((CC, 1.5), (MN, 1.5)),
    ),
    "59": ("reduced under multiple- or concurrent-procedure pricing rules", NONE),
    "62": (
        "the authorization was missing or the service went beyond what was authorized",
        ((PA, 3.0),),
    ),
    "66": ("the blood deductible applies", NONE),
    "94": ("processed above the normal amount (pricing adjustment)", NONE),
    "96": ("the charge is not covered", ((CE, 2.5),)),
    "97": ("the service is already paid as part of another service (bundled)", ((CC, 2.5),)),
    "107": ("a related or qualifying claim was not received", ((CC, 1.5),)),
    "109": (
        "this payer does not cover the claim; send it to the right payer",
        ((COB, 2.0), (CC, 1.0)),
    ),
    "110": ("the billing date is before the service date", ((CC, 2.5),)),
    "119": ("the benefit maximum for the period or occurrence has been reached", ((CE, 2.0),)),
    "125": ("the claim has submission or billing errors", ((CC, 2.5),)),
    "129": ("the earlier processing information looks wrong", ((CC, 2.0),)),
    "140": ("the member ID number and name do not match", ((CC, 2.0), (EL, 1.5))),
    "146": ("the diagnosis is not valid for the date of service", ((CC, 2.5),)),
    "150": ("the records sent do not support this level of service", ((MN, 2.5), (RR, 0.5))),
    "151": ("the records sent do not support this many services or this frequency", ((MN, 2.5),)),
    "167": ("the diagnosis is not covered", ((CE, 2.0), (CC, 0.5))),
    "170": (
        "the plan does not pay for this service from this type of provider",
        ((CE, 1.5), (CC, 1.0)),
    ),
    "177": ("the patient had not met the plan's eligibility requirements", ((EL, 2.5),)),
    "181": ("the procedure code was not valid on the date of service", ((CC, 3.0),)),
    "182": ("the modifier was not valid on the date of service", ((CC, 3.0),)),
    "183": ("the referring provider may not refer for this service", ((CC, 1.5),)),
    "185": ("the rendering provider may not perform the service billed", ((CC, 1.5),)),
    "197": (
        "a required prior authorization, precertification or notification was not on file",
        ((PA, 3.0),),
    ),
    "198": (
        "the service went beyond what the authorization or precertification allowed",
        ((PA, 3.0),),
    ),
    "199": ("the revenue code and procedure code do not match", ((CC, 2.5),)),
    "200": ("the service fell in a gap in coverage", ((EL, 3.0),)),
    "204": (
        "the service, equipment or drug is not covered by the patient's current plan",
        ((CE, 3.0),),
    ),
    "208": ("the provider's NPI does not match the payer's records", ((CC, 2.5),)),
    "226": ("information asked of the provider was not sent or was incomplete", ((RR, 3.0),)),
    "227": ("information asked of the patient was not sent or was incomplete", ((RR, 3.0),)),
    "234": ("this procedure is not paid on its own", ((CC, 2.0),)),
    "236": (
        "the procedure or modifier clashes with another billed the same day (NCCI edits)",
        ((CC, 2.5),),
    ),
    "242": ("the care was not given by a network or primary-care provider", ((ON, 3.0),)),
    "243": (
        "the care was not authorized by a network or primary-care provider",
        ((ON, 2.5), (PA, 1.0)),
    ),
    "251": ("the attachment or documentation received was incomplete", ((RR, 2.5), (CC, 0.5))),
    "252": ("an attachment or other documentation is needed before a decision", ((RR, 3.0),)),
    "253": ("federal sequestration reduced the payment", NONE),
    "256": ("the service is not payable under the managed-care contract", ((CE, 1.0),)),
    "A1": ("the claim or service was denied (the remark code gives the reason)", NONE),
    "B7": (
        "the provider was not certified or eligible to be paid for this service on that date",
        ((CC, 2.5),),
    ),
    "B9": ("the patient is enrolled in hospice", ((EL, 2.0),)),
    "B11": ("the claim was passed on to the correct payer or processor", ((COB, 1.5), (CC, 1.0))),
    "B15": (
        "the service needs a qualifying service that was not received or processed",
        ((CC, 2.0),),
    ),
    "B20": ("another provider already gave all or part of this service", ((DUP, 1.5), (CC, 1.0))),
    "B22": ("the payment was adjusted because of the diagnosis", ((CC, 1.5), (MN, 0.5))),
    "P13": ("reduced or denied under workers' compensation rules", ((CE, 1.0),)),
}

RARCS: Final[dict[str, Entry]] = {
    "M15": (
        "separately billed tests or services are paid as part of another service",
        ((CC, 2.0),),
    ),
    "M20": ("the HCPCS code is missing, incomplete or invalid", ((CC, 2.5),)),
    "M25": ("the records do not show a need for this level of service", ((MN, 2.0),)),
    "M51": ("the procedure code is missing, incomplete or invalid", ((CC, 2.5),)),
    "M62": (
        "the treatment authorization code is missing, incomplete or invalid",
        ((PA, 2.0), (CC, 1.0)),
    ),
    "M76": ("the diagnosis or condition is missing, incomplete or invalid", ((CC, 2.5),)),
    "M80": (
        "not covered when done on the same day as a service already processed",
        ((CC, 1.5), (DUP, 0.5)),
    ),
    "M86": (
        "already paid for the same or a similar service within the allowed time",
        ((DUP, 1.5),),
    ),
    "M119": ("the National Drug Code (NDC) is missing, incomplete or invalid", ((CC, 2.5),)),
    "M127": ("the patient's medical record for this service is missing", ((RR, 3.0),)),
    "MA01": ("notice: you may appeal if you disagree with this decision", NONE),
    "MA04": ("a secondary claim needs the primary payer's details or payment", ((COB, 3.0),)),
    "MA07": ("the claim was also sent on to Medicaid", NONE),
    "MA18": ("the claim was also sent on to the patient's supplemental insurer", NONE),
    "MA92": ("details of the primary or other insurance are missing", ((COB, 2.5),)),
    "MA130": (
        "the claim has missing or invalid data and must be fixed and sent as a new "
        "claim; it cannot be appealed",
        ((CC, 3.0),),
    ),
    "N1": ("notice: you may appeal this decision", NONE),
    "N3": ("a required consent form is missing", ((RR, 1.5),)),
    "N4": ("the prior insurer's explanation of benefits is missing or invalid", ((COB, 2.5),)),
    "N5": ("the explanation of benefits received was incomplete", ((COB, 1.5),)),
    "N10": ("adjusted after review by an outside review organization", ((MN, 1.0),)),
    "N19": ("the procedure is incidental to the main procedure", ((CC, 1.5),)),
    "N20": ("not payable together with another service on the same date", ((CC, 2.0),)),
    "N26": ("the itemized bill is missing", ((RR, 2.0),)),
    "N29": ("documentation, orders or notes are missing", ((RR, 3.0),)),
    "N30": ("the patient is not eligible for this service", ((EL, 2.5),)),
    "N54": ("the claim does not match the services that were authorized", ((PA, 2.0), (CC, 1.0))),
    "N56": ("the procedure code is not right for the services or date billed", ((CC, 2.5),)),
    "N95": ("this provider type or specialty may not bill this service", ((CC, 1.5),)),
    "N115": ("decided under a Local Coverage Determination (LCD)", ((MN, 1.5),)),
    "N130": ("check the plan's benefit documents for limits on this service", ((CE, 1.5),)),
    "N155": ("no other insurance is on file for the patient", ((COB, 1.0),)),
    "N179": ("more information has been asked of the member", ((RR, 2.0),)),
    "N211": ("this decision cannot be appealed", NONE),
    "N257": ("the billing provider's identifier is missing, incomplete or invalid", ((CC, 2.0),)),
    "N286": ("the referring provider's identifier is missing, incomplete or invalid", ((CC, 2.0),)),
    "N290": ("the rendering provider's identifier is missing, incomplete or invalid", ((CC, 2.0),)),
    "N350": ("the description of an unlisted (NOC) service is missing or invalid", ((CC, 2.0),)),
    "N362": ("the days or units billed are more than allowed", ((CC, 1.0), (MN, 1.0))),
    "N381": ("check the provider's contract for limits or billing rules", NONE),
    "N386": ("decided under a National Coverage Determination (NCD)", ((MN, 1.5),)),
    "N418": ("the claim was sent to the wrong payer or contractor", ((CC, 1.0),)),
    "N425": ("the service is excluded by law", ((CE, 2.5),)),
    "N432": ("adjusted after a recovery audit", NONE),
    "N479": ("the explanation of benefits from the other payer is missing", ((COB, 2.5),)),
    "N517": ("send a new claim with the information asked for", ((CC, 1.5), (RR, 1.0))),
    "N522": ("a duplicate of a claim processed or to be processed as a crossover", ((DUP, 2.5),)),
    "N598": ("another health policy is primary", ((COB, 2.0),)),
    "N640": ("more services than allowed within the period", ((MN, 1.0), (CE, 1.0))),
    "N657": ("the service should be billed with a different, correct code", ((CC, 2.0),)),
    "N706": ("documentation is missing", ((RR, 2.5),)),
}
