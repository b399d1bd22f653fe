"""The optional LLM layer: one interface, several providers, made resilient."""
