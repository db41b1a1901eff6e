"""Per-format extractors: PDF (with layout analysis and OCR), HTML and plain text."""
