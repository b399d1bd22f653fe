"""Data files shipped with DenialOps (the ICD-10-CM index)."""
