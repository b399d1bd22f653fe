"""The CARC/RARC table: coverage, normalisation, route hints, and what is not a denial."""

from __future__ import annotations

import pytest

from denialops.domain.codes import (
    CARC_GROUPS,
    CodeKind,
    describe,
    is_known_carc,
    is_known_rarc,
    lookup,
    normalize_rarc,
    route_hints,
    split_carc,
)
from denialops.domain.codes_data import CARCS, RARCS
from denialops.domain.facts import CodeType, RouteName

#: PRODUCT.md §2: the typical CARCs of each route.
ROUTES_TABLE: dict[RouteName, tuple[str, ...]] = {
    RouteName.PRIOR_AUTH_NEEDED: ("197", "15", "62"),
    RouteName.CLAIM_CORRECTION_RESUBMIT: ("4", "11", "16", "97", "181", "182", "B7"),
    RouteName.MEDICAL_NECESSITY_APPEAL: ("50", "55", "56", "150", "151"),
    RouteName.COVERAGE_EXCLUSION: ("96", "204", "49"),
    RouteName.OUT_OF_NETWORK: ("242", "243"),
    RouteName.TIMELY_FILING: ("29",),
    RouteName.ELIGIBILITY_ISSUE: ("26", "27", "31", "32", "200"),
    RouteName.COORDINATION_OF_BENEFITS: ("22", "23", "24"),
    RouteName.DUPLICATE_CLAIM: ("18",),
    RouteName.RECORDS_REQUESTED: ("252", "226"),
}
COMMON_CARCS = (
    "1", "2", "3", "5", "6", "8", "9", "10", "13", "19", "20", "21", "39", "40", "45", "58",
    "59", "109", "119", "129", "140", "146", "167", "170", "185", "198", "199", "208", "234",
    "236", "251", "B9", "B11", "B15", "B20", "B22", "P13",
)  # fmt: skip
COMMON_RARCS = (
    "N30", "N56", "N115", "N130", "N179", "N286", "N290", "N479", "N522", "M15", "M20", "M51",
    "M76", "M80", "M86", "MA04", "MA130", "MA01", "MA18", "N4", "N20", "N54", "N95", "N362",
    "N386", "N432", "N657", "M127", "N211", "N517", "N640", "N706",
)  # fmt: skip


def _top_route(number: str) -> RouteName:
    hints = route_hints(CodeType.CARC, number)
    return max(hints, key=lambda h: h.weight).route


class TestCoverage:
    @pytest.mark.parametrize(
        "number", [*(n for numbers in ROUTES_TABLE.values() for n in numbers), *COMMON_CARCS]
    )
    def test_every_listed_carc_is_known_and_described(self, number: str) -> None:
        assert is_known_carc(number)
        description = describe(CodeType.CARC, number)
        assert description
        assert description == description.strip()

    @pytest.mark.parametrize("code", COMMON_RARCS)
    def test_every_listed_rarc_is_known_and_described(self, code: str) -> None:
        assert is_known_rarc(code)
        assert describe(CodeType.RARC, code)

    @pytest.mark.parametrize(
        ("route", "number"), [(r, n) for r, numbers in ROUTES_TABLE.items() for n in numbers]
    )
    def test_routes_table_codes_point_first_at_their_route(
        self, route: RouteName, number: str
    ) -> None:
        assert _top_route(number) is route

    def test_hint_weights_are_positive_and_bounded(self) -> None:
        for table in (CARCS, RARCS):
            for _, hints in table.values():
                assert all(0 < weight <= 3.0 for _, weight in hints)


class TestNormalisation:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("CO-197", ("CO", "197")),
            ("197", (None, "197")),
            ("pr-1", ("PR", "1")),
            ("OA 18", ("OA", "18")),
            ("co197", ("CO", "197")),
            ("0016", (None, "16")),
            ("B7", (None, "B7")),
            ("CR-B7", ("CR", "B7")),
        ],
    )
    def test_split_carc(self, raw: str, expected: tuple[str | None, str]) -> None:
        assert split_carc(raw) == expected

    def test_describe_strips_the_group_prefix(self) -> None:
        assert describe(CodeType.CARC, "CO-197") == describe(CodeType.CARC, "197")

    @pytest.mark.parametrize("raw", ["n30", " N30 ", "RARC N30", "rarc: n30"])
    def test_rarcs_are_normalised(self, raw: str) -> None:
        assert normalize_rarc(raw) == "N30"
        assert is_known_rarc(raw)

    @pytest.mark.parametrize("raw", ["", "999", "CO-999", "XYZ", "CO-"])
    def test_unknown_carcs_are_none(self, raw: str) -> None:
        assert not is_known_carc(raw)
        assert describe(CodeType.CARC, raw) is None

    def test_unknown_rarc_and_other_code_types_are_none(self) -> None:
        assert describe(CodeType.RARC, "N9999") is None
        assert describe(CodeType.CPT, "72148") is None
        assert lookup(CodeType.ICD10CM, "M05.79") is None


class TestGroups:
    def test_all_five_groups_are_described(self) -> None:
        assert set(CARC_GROUPS) == {"CO", "PR", "OA", "PI", "CR"}
        assert all(CARC_GROUPS.values())

    def test_a_correction_line_counts_half(self) -> None:
        full = route_hints(CodeType.CARC, "CO-197")
        half = route_hints(CodeType.CARC, "CR-197")
        assert half[0].weight == pytest.approx(full[0].weight / 2)

    def test_the_group_argument_overrides_the_prefix(self) -> None:
        assert route_hints(CodeType.CARC, "197", group="CR")[0].weight == pytest.approx(1.5)


class TestMeaning:
    @pytest.mark.parametrize("number", ["1", "2", "3"])
    def test_deductible_coinsurance_copay_are_cost_sharing_not_denials(self, number: str) -> None:
        info = lookup(CodeType.CARC, f"PR-{number}")
        assert info is not None
        assert info.kind is CodeKind.COST_SHARING
        assert info.hints == ()

    def test_contractual_pricing_is_an_adjustment(self) -> None:
        info = lookup(CodeType.CARC, "CO-45")
        assert info is not None
        assert info.kind is CodeKind.ADJUSTMENT

    def test_ma130_means_resubmit_and_no_appeal(self) -> None:
        info = lookup(CodeType.RARC, "MA130")
        assert info is not None
        assert not info.appealable
        assert info.hints[0].route is RouteName.CLAIM_CORRECTION_RESUBMIT

    def test_n30_points_at_eligibility(self) -> None:
        hints = route_hints(CodeType.RARC, "N30")
        assert hints[0].route is RouteName.ELIGIBILITY_ISSUE

    def test_co16_is_correction_first_but_also_records(self) -> None:
        routes = {h.route: h.weight for h in route_hints(CodeType.CARC, "16")}
        assert routes[RouteName.CLAIM_CORRECTION_RESUBMIT] > routes[RouteName.RECORDS_REQUESTED]

    def test_informational_remarks_carry_no_weight(self) -> None:
        info = lookup(CodeType.RARC, "MA01")
        assert info is not None
        assert info.kind is CodeKind.INFO
        assert route_hints(CodeType.RARC, "MA01") == ()
