"""DenialOps: read a health-insurance claim denial, explain it, write the documents to fight it."""

__version__ = "0.1.0"
