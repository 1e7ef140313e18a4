"""Pieces → the JSONL record schema (``schema/record.schema.json``)."""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from .document import PageDocument, Split


def record_id(url: str, piece_no: int) -> str:
    """Stable id: the same URL and piece number always give the same id."""
    return hashlib.sha1(f"{url}#{piece_no}".encode()).hexdigest()[:16]


def site_of(url: str) -> str:
    """Host name of a URL; ``local`` for files."""
    return urlsplit(url).hostname or "local"


def build_records(doc: PageDocument, split: Split, url: str) -> list[dict]:
    """One record per piece, fields in schema order."""
    url = doc.canonical_url or url
    site = site_of(url)
    records = []
    for piece in split.pieces:
        text = "\n".join(piece.paragraphs)
        records.append({
            "id": record_id(url, piece.no),
            "url": url,
            "site": site,
            "title": doc.title,
            "category": doc.category,
            "published": doc.published,
            "piece_no": piece.no,
            "piece_total": len(split.pieces),
            "piece_total_claimed": split.claimed,
            "piece_title": piece.title,
            "text": text,
            "chars": len(text),
            "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(),
        })
        if piece.truncated:
            records[-1]["truncated"] = True
    return records
