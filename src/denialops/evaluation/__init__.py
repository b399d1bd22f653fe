"""Score the pipeline's output against the labelled evaluation set in `eval/letters/`.

Each letter `<NN>_<slug>.<txt|pdf|png|...>` has a golden label `<NN>_<slug>.json`: its route,
whether the denial is appealable, the 20 fact fields of `FIELD_KINDS` (null = the letter does not
state it, so a produced value is *invented*; a list = any of these is acceptable, and a null in
the list means "not stated" is acceptable too), and the codes it contains per code type. A binary
letter's text lives in `eval/sources/<NN>_<slug>.txt` (the input of `eval/make_binary_letters.py`).

Labelling conventions: dates are ISO; `appeal_deadline` is set only when the letter states a date
or a window counted from its own date; CARCs are `GROUP-NUMBER` (`CO-197`), or the bare number when
the letter gives no group; codes are those of the letter's claim/service, not lookalikes (ZIP
codes, P.O. boxes, NPIs, modifiers, revenue codes, invalid ICD-looking strings).

`labels` loads the set, `matching` normalises values for comparison, `report` scores and
renders, `llm` summarises the language model's part; `run` runs the pipeline over the set
(`denialops eval`) and is imported on its own.
"""

from denialops.evaluation.labels import (
    FIELD_KEYS,
    FIELD_KINDS,
    LETTER_SUFFIXES,
    Label,
    LabelError,
    LabelledLetter,
    alternatives,
    load_labelled_set,
)
from denialops.evaluation.llm import LLMSummary
from denialops.evaluation.matching import (
    field_matches,
    field_value,
    normalise,
    normalise_code,
    produced_codes,
)
from denialops.evaluation.report import (
    CodeScore,
    EvalReport,
    LetterResult,
    Mismatch,
    Thresholds,
    render_table,
    score,
)

__all__ = [
    "FIELD_KEYS",
    "FIELD_KINDS",
    "LETTER_SUFFIXES",
    "CodeScore",
    "EvalReport",
    "LLMSummary",
    "Label",
    "LabelError",
    "LabelledLetter",
    "LetterResult",
    "Mismatch",
    "Thresholds",
    "alternatives",
    "field_matches",
    "field_value",
    "load_labelled_set",
    "normalise",
    "normalise_code",
    "produced_codes",
    "render_table",
    "score",
]
