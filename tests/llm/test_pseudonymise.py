"""Reversible pseudonymisation: what is replaced, how it comes back (text, JSON, streams), and
the round trip for any text and any PHI values (hypothesis)."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from structlog.testing import capture_logs

from denialops.domain.facts import CaseFacts, Payer
from denialops.llm.models import Message
from denialops.llm.pseudonymise import (
    JSON,
    PHIKind,
    PHIValues,
    Pseudonymiser,
    PseudonymisingLLMClient,
    current_phi,
    phi_from_facts,
    phi_scope,
)

from .scripted import ScriptedLLM, StreamStep, collect, request

pytestmark = pytest.mark.anyio

PHI: PHIValues = {
    PHIKind.PATIENT_NAME: ["Jane Q. Doe", "Jane"],
    PHIKind.MEMBER_ID: ["W123456789"],
    PHIKind.CLAIM_NUMBER: ["CLM-2024-0042"],
}


def masked(text: str, phi: PHIValues = PHI) -> str:
    return Pseudonymiser(phi).pseudonymise(text)


class TestReplacing:
    def test_every_occurrence_of_every_value_is_replaced(self) -> None:
        text = "Member W123456789, claim CLM-2024-0042. Again: W123456789."
        assert masked(text) == (
            "Member [[MEMBER_ID_1]], claim [[CLAIM_NUMBER_1]]. Again: [[MEMBER_ID_1]]."
        )

    def test_names_match_whatever_their_case_and_line_breaks(self) -> None:
        text = "Patient: JANE Q. DOE\nRe: jane q.\n   doe"
        assert masked(text) == "Patient: [[PATIENT_NAME_1]]\nRe: [[PATIENT_NAME_2]]"

    def test_a_longer_value_wins_over_one_it_contains(self) -> None:
        assert masked("Jane Q. Doe and Jane") == "[[PATIENT_NAME_1]] and [[PATIENT_NAME_2]]"

    def test_values_match_whole_words_only(self) -> None:
        assert masked("Janet wrote; Jane's claim") == "Janet wrote; [[PATIENT_NAME_1]]'s claim"

    def test_a_date_of_birth_matches_its_usual_spellings(self) -> None:
        phi = {PHIKind.DATE_OF_BIRTH: ["1980-01-05"]}
        text = "DOB 01/05/1980, 1/5/1980, January 5, 1980, Jan 5, 1980 or 1980-01-05."
        assert "1980" not in masked(text, phi)

    def test_placeholder_text_already_there_is_kept_and_its_number_skipped(self) -> None:
        pseudonymiser = Pseudonymiser(PHI)
        out = pseudonymiser.pseudonymise("[[MEMBER_ID_1]] is not W123456789")
        assert out == "[[MEMBER_ID_1]] is not [[MEMBER_ID_2]]"
        assert pseudonymiser.restore(out) == "[[MEMBER_ID_1]] is not W123456789"

    def test_one_character_values_are_ignored(self) -> None:
        assert masked("a b c", {PHIKind.PATIENT_NAME: ["a", " "]}) == "a b c"

    def test_the_same_text_always_gives_the_same_placeholders(self) -> None:
        text = "Jane Q. Doe, member W123456789"
        assert masked(text) == masked(text)


class TestRestoring:
    def test_restores_each_spelling_exactly(self) -> None:
        pseudonymiser = Pseudonymiser(PHI)
        pseudonymiser.pseudonymise("JANE Q. DOE and Jane q. Doe")
        assert pseudonymiser.restore("[[PATIENT_NAME_2]]/[[PATIENT_NAME_1]]") == (
            "Jane q. Doe/JANE Q. DOE"
        )

    def test_unknown_placeholders_are_left_alone(self) -> None:
        pseudonymiser = Pseudonymiser(PHI)
        assert pseudonymiser.restore("[[MEMBER_ID_7]]") == "[[MEMBER_ID_7]]"

    def test_json_text_stays_valid_when_a_value_has_quotes(self) -> None:
        pseudonymiser = Pseudonymiser({PHIKind.PATIENT_NAME: ['Mary "Mo" O\\Neil']})
        pseudonymiser.pseudonymise('Patient Mary "Mo" O\\Neil')
        restored = pseudonymiser.restore_json_text('{"name": "[[PATIENT_NAME_1]]"}')
        assert json.loads(restored) == {"name": 'Mary "Mo" O\\Neil'}

    def test_nested_json_values_are_restored_keys_included(self) -> None:
        pseudonymiser = Pseudonymiser(PHI)
        pseudonymiser.pseudonymise("W123456789 Jane")
        value: JSON = {"[[MEMBER_ID_1]]": [{"who": "[[PATIENT_NAME_1]]"}, 3, None, True]}
        assert pseudonymiser.restore_value(value) == {
            "W123456789": [{"who": "Jane"}, 3, None, True]
        }

    @pytest.mark.parametrize("size", [1, 2, 3, 5])
    def test_a_placeholder_split_across_stream_chunks_is_restored(self, size: int) -> None:
        pseudonymiser = Pseudonymiser(PHI)
        out = pseudonymiser.pseudonymise("Dear Jane, re W123456789 [x] [[y")
        restorer = pseudonymiser.restorer()
        chunks = [out[i : i + size] for i in range(0, len(out), size)]
        restored = "".join(restorer.feed(c) for c in chunks) + restorer.flush()
        assert restored == "Dear Jane, re W123456789 [x] [[y"

    def test_text_that_only_looks_like_a_placeholder_start_is_not_held_for_ever(self) -> None:
        restorer = Pseudonymiser(PHI).restorer()
        assert restorer.feed("[[") == ""
        assert restorer.feed("A" * 50) == "[[" + "A" * 50


class TestFromFacts:
    def test_collects_the_identifiers_and_adds_the_extra_values(self) -> None:
        facts = CaseFacts(payer=Payer(member_id="W1", claim_number="C9", group_number=None))
        phi = phi_from_facts(facts, {PHIKind.PATIENT_NAME: ["Jane Doe"]})
        assert phi == {
            PHIKind.MEMBER_ID: ["W1"],
            PHIKind.CLAIM_NUMBER: ["C9"],
            PHIKind.PATIENT_NAME: ["Jane Doe"],
        }

    def test_a_letter_with_no_identifiers_gives_nothing(self) -> None:
        assert phi_from_facts(CaseFacts()) == {}


# -- properties -------------------------------------------------------------------------------

_CHARS = st.one_of(st.sampled_from(list("aAbB zZ09-_[]().,'\"\n\t\\ßİ")), st.characters())
_VALUES = st.text(_CHARS, min_size=1, max_size=12)


@st.composite
def letters(draw: st.DrawFn) -> tuple[dict[PHIKind, list[str]], str]:
    """PHI values, and a text mixing free text with those values in any case and spacing."""
    phi = draw(
        st.dictionaries(
            st.sampled_from(PHIKind), st.lists(_VALUES, min_size=1, max_size=3), max_size=4
        )
    )
    values = [v for vs in phi.values() for v in vs]
    free = st.text(_CHARS, max_size=15)
    piece = st.one_of(free, st.sampled_from(values).flatmap(_respelt)) if values else free
    return phi, "".join(draw(st.lists(piece, max_size=8)))


def _respelt(value: str) -> st.SearchStrategy[str]:
    cases = st.sampled_from([value, value.upper(), value.lower(), value.title()])
    return st.tuples(cases, st.sampled_from([" ", "\n", "  ", "\t"])).map(
        lambda pair: pair[1].join(pair[0].split(" "))
    )


class TestProperties:
    @settings(max_examples=300, deadline=None)
    @given(letters())
    def test_restore_undoes_pseudonymise(self, case: tuple[dict[PHIKind, list[str]], str]) -> None:
        phi, text = case
        pseudonymiser = Pseudonymiser(phi)
        assert pseudonymiser.restore(pseudonymiser.pseudonymise(text)) == text

    @settings(max_examples=200, deadline=None)
    @given(letters())
    def test_restore_inside_json_gives_back_the_text(
        self, case: tuple[dict[PHIKind, list[str]], str]
    ) -> None:
        phi, text = case
        pseudonymiser = Pseudonymiser(phi)
        as_json = json.dumps({"text": pseudonymiser.pseudonymise(text)}, ensure_ascii=False)
        assert json.loads(pseudonymiser.restore_json_text(as_json)) == {"text": text}

    @settings(max_examples=200, deadline=None)
    @given(letters(), st.lists(st.integers(min_value=0, max_value=200), max_size=12))
    def test_any_chunking_of_a_stream_restores_the_same(
        self, case: tuple[dict[PHIKind, list[str]], str], cuts: list[int]
    ) -> None:
        phi, text = case
        pseudonymiser = Pseudonymiser(phi)
        out = pseudonymiser.pseudonymise(text)
        bounds = [0, *sorted(c % (len(out) + 1) for c in cuts), len(out)]
        restorer = pseudonymiser.restorer()
        pieces = [restorer.feed(out[a:b]) for a, b in itertools.pairwise(bounds)]
        assert "".join(pieces) + restorer.flush() == text


# -- the wrapper ------------------------------------------------------------------------------


class Appeal(BaseModel):
    addressee: str
    member_id: str


class TestWrapper:
    async def test_the_model_never_sees_the_values_and_the_caller_gets_them_back(self) -> None:
        inner = ScriptedLLM(["Appeal for [[PATIENT_NAME_1]] ([[MEMBER_ID_1]])."])
        client = PseudonymisingLLMClient(inner)
        system = Message(role="system", content="You help Jane Q. Doe.")
        user = Message(role="user", content="Letter: member W123456789, Jane Q. Doe.")
        with phi_scope(PHI):
            completion = await client.complete(request(messages=(system, user)))
        sent = " ".join(m.content for m in inner.requests[0].messages)
        assert "Jane" not in sent
        assert "W123456789" not in sent
        assert "[[PATIENT_NAME_1]]" in inner.requests[0].messages[0].content
        assert completion.text == "Appeal for Jane Q. Doe (W123456789)."

    async def test_structured_answers_are_restored_before_validation(self) -> None:
        reply = '{"addressee": "[[PATIENT_NAME_1]]", "member_id": "[[MEMBER_ID_1]]"}'
        client = PseudonymisingLLMClient(ScriptedLLM([reply]))
        with phi_scope(PHI):
            result = await client.complete_structured(request("Jane Q. Doe, W123456789"), Appeal)
        assert result.value == Appeal(addressee="Jane Q. Doe", member_id="W123456789")

    async def test_a_stream_is_restored_across_chunk_boundaries(self) -> None:
        chunks = ["Dear [[PATIENT", "_NAME_1]], your ID [", "[MEMBER_ID_1", "]] is on file."]
        inner = ScriptedLLM(streams=[StreamStep(chunks)])
        client = PseudonymisingLLMClient(inner)
        with phi_scope(PHI):
            text = "".join(await collect(client.stream(request("Jane Q. Doe W123456789"))))
        assert text == "Dear Jane Q. Doe, your ID W123456789 is on file."

    async def test_outside_a_scope_requests_pass_unchanged(self) -> None:
        inner = ScriptedLLM(["[[MEMBER_ID_1]]"])
        client = PseudonymisingLLMClient(inner)
        assert current_phi() is None
        completion = await client.complete(request("W123456789"))
        assert inner.requests[0] == request("W123456789")
        assert completion.text == "[[MEMBER_ID_1]]"

    async def test_nothing_about_the_values_is_logged(self) -> None:
        client = PseudonymisingLLMClient(ScriptedLLM())
        with capture_logs() as logs, phi_scope(PHI):
            await client.complete(request("Jane Q. Doe W123456789"))
        assert [e["replacements"] for e in logs if e["event"] == "llm.pseudonymised"] == [2]
        assert "W123" not in repr(logs)
        assert "Jane" not in repr(logs)
