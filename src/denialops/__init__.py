"""DenialOps: read a health-insurance claim denial, explain it, and write the documents to fight it."""

__version__ = "0.1.0"
