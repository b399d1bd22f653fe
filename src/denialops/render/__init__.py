"""Rendering: Jinja2 templates into Markdown, and Markdown into PDF, DOCX and ICS."""
