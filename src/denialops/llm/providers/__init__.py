"""The provider adapters: each wraps one SDK behind `BaseLLMClient` and is the only place that
SDK's types and exceptions appear.

- `openai.py`: OpenAI chat completions (`AsyncOpenAI`), JSON through a json_schema
  response format.
- `local.py`: any OpenAI-compatible local server (Ollama, llama.cpp, vLLM), reusing the
  OpenAI adapter.
- `anthropic.py`: Anthropic messages (`AsyncAnthropic`), JSON through the prompt.

Provider `none` has no adapter: `LLMClient.from_settings` returns None and the pipeline stays
on its deterministic path (see `llm/client.py`). Modules here import their SDK at import time,
so the factory imports only the one that is configured.
"""
