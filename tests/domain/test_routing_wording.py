"""Common ways letters word a reason, each read as a billing specialist would."""

from __future__ import annotations

import pytest

from denialops.domain.facts import CaseFacts, CodeType, DenialCode, RouteName
from denialops.domain.routing import route

R = RouteName


def carc(code: str) -> DenialCode:
    return DenialCode(code=code, code_type=CodeType.CARC)


class TestWording:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "The rendering physician is not a contracted provider with our plan.",
                R.OUT_OF_NETWORK,
            ),
            ("We have no contract with this facility for your plan.", R.OUT_OF_NETWORK),
            (
                "Your employer group health plan is primary; Medicare pays second.",
                R.COORDINATION_OF_BENEFITS,
            ),
            (
                "Because you are still working, your employer plan pays first.",
                R.COORDINATION_OF_BENEFITS,
            ),
            ("We are the Medicare secondary payer for this claim.", R.COORDINATION_OF_BENEFITS),
            (
                "To decide this claim we need more information from your surgeon.",
                R.RECORDS_REQUESTED,
            ),
            ("Please ask the clinic to send the records we asked for.", R.RECORDS_REQUESTED),
            (
                "Your claim is on hold until we receive the itemized bill and operative report.",
                R.RECORDS_REQUESTED,
            ),
        ],
    )
    def test_the_wording_alone_reaches_the_route(self, text: str, expected: RouteName) -> None:
        assert route(CaseFacts(), text).route is expected

    def test_a_network_code_and_contract_wording_beat_a_missing_referral(self) -> None:
        reason = "The doctor is not a contracted provider, and no referral was on file."
        decision = route(CaseFacts(denial_reason=reason, denial_codes=[carc("CO-243")]), reason)
        assert decision.route is R.OUT_OF_NETWORK

    def test_if_you_need_more_information_is_not_a_records_request(self) -> None:
        text = "The service is not medically necessary. If you need more information, call us."
        decision = route(CaseFacts(), text)
        assert decision.route is R.MEDICAL_NECESSITY_APPEAL
        assert all(s.route is not R.RECORDS_REQUESTED for s in decision.signals)
