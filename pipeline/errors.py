"""Errors shared by the extract stage's driver and its per-format extractors.

It lives below both, so pipeline/extract.py imports the extractors and the extractors
import only this, never the driver back.
"""


class ExtractionError(Exception):
    """A file that cannot be extracted; the message is one line naming the file and why."""
