"""Hamta: multilingual document ingestion and alignment.

The stages, in the order a document goes through them:
extract -> normalize -> detect -> segment -> embed -> align (writes aligned/*.parquet).
"""

SCHEMA_VERSION = "2.1"
