"""Requests as JSON text in the shared frontier (``SCHEDULER_SERIALIZER``), not scrapy-redis's default
pickle: whoever can write to the Redis queue must not be able to run code in the workers.

``loads``/``dumps`` carry what ``Request.to_dict`` holds: bytes (body, header names and values) as
``{"$bytes": base64}``, a dict with non-string keys (the headers) as ``{"$dict": [[key, value], …]}``.
"""
from __future__ import annotations

import base64
import json
from typing import Any


def encode(value: Any) -> Any:
    """``value`` with bytes and non-string dict keys put in JSON's terms (see the module docstring)."""
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not {"$bytes", "$dict"} & set(value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        if set(value) == {"$dict"}:
            return {decode(k): decode(v) for k, v in value["$dict"]}
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def dumps(obj: dict) -> str:
    return json.dumps(encode(obj), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> dict:
    return decode(json.loads(text))
