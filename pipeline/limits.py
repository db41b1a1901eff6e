"""Size limits per document (extract.max_pages, max_chars, max_passages).

A document beyond a limit is refused with a message that names the limit and how to raise
it, before the expensive work where that can be known (pages and bytes are counted without
extracting anything), so a 2,000-page PDF or a 50 MB text file costs a second, not an hour,
and the rest of the corpus goes on.
"""

from __future__ import annotations

from pipeline.config import ExtractSettings

# A character takes at most 4 bytes in UTF-8 (and UTF-16), so a text file of more bytes than
# this many times max_chars is over the limit whatever it holds; markup makes HTML larger
# than its text, hence the second factor.
BYTES_PER_CHAR = {"txt": 4, "html": 16}


def _beyond(what: str, found: int, key: str, limit: int, remedy: str) -> str:
    return (f"{found:,} {what}, more than extract.{key} ({limit:,}); {remedy} or raise "
            f"extract.{key} in the config")


def pages_problem(pages: int, settings: ExtractSettings) -> str | None:
    if pages > settings.max_pages:
        return _beyond("pages", pages, "max_pages", settings.max_pages, "split the PDF into parts")
    return None


def bytes_problem(size: int, kind: str, settings: ExtractSettings) -> str | None:
    """For a text or HTML file before it is read: too large to hold max_chars at most."""
    ceiling = BYTES_PER_CHAR.get(kind, 0) * settings.max_chars
    if ceiling and size > ceiling:
        return (f"{size:,} bytes, more than any text of extract.max_chars ({settings.max_chars:,}) "
                f"characters can take; split the file or raise extract.max_chars in the config")
    return None


def text_problem(chars: int, passages: int, settings: ExtractSettings) -> str | None:
    """After extraction: the document's text and passages."""
    if chars > settings.max_chars:
        return _beyond("characters", chars, "max_chars", settings.max_chars, "split the document")
    if passages > settings.max_passages:
        return _beyond("passages", passages, "max_passages", settings.max_passages, "split the document")
    return None
