"""Protection of data at rest: the document cipher (`crypto`)."""
