"""The optional LLM stages and what they share.

- `extract.py`: `LLMExtract` (after `extract_facts`): asks the model for the facts the
  deterministic pass left empty; merges a value only when the letter states it.
- `explain.py`: `LLMExplain` (after `plan`): a plain-language explanation and personalised
  appeal-letter paragraphs, each paragraph checked against the facts before use.
- `locate.py`: finding a value the model gave in the letter's own text, with its evidence.
- `vet.py`: checking a model-written paragraph (grounded values, no instructions).
- `prompts.py`: the system instructions and how the letter is put in front of the model.
- `trace.py`: what the model did for a run (`LLMTrace`, `LLMRunInfo`, `llm_usage.json`).
- `scope.py`: the per-run scope every LLM call runs in (PHI placeholders, usage ledger).

Both stages are optional (`required = False`) and async: the runner awaits them on the event
loop. A failing model (any `LLMError`, an open circuit included) leaves a warning and the run
completes on the deterministic path.
"""
