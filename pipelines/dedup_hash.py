"""What dedup computes of a text, fast: its dedup form, its shingle hashes and its MinHash signature.

The dedup form is NFKC, case-folded, letters and digits only. :func:`dedup_form` gets it character by
character from a table filled as characters are first seen, which is exact whenever the text holds
no character that normalisation would compose or reorder with a neighbour (the rule is in
:func:`char_form`); any other text takes the definition itself. The shingle hashes and the MinHash
values (datasketch's ``affine32`` scheme, its permutations drawn as it draws them: :func:`permutations`)
are compiled loops (numba), the same values as datasketch computes, without an array of ``shingles ×
permutations`` values and without importing datasketch (and through it SciPy: 0.8 s).
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
from numba import njit

#: Shingle size in characters. Chinese words are mostly 1–2 characters, so a 5-gram spans two or
#: three words: long enough that unrelated essays share few shingles, short enough that one changed
#: sentence only disturbs the shingles around it.
DEFAULT_SHINGLE = 5

_NOT_WORD = re.compile(r"[\W_]+")
_POLY = np.uint64(0x100000001B3)
#: :data:`_FORMS` values other than a character's code: not seen yet, dropped, or a character
#: whose form is not one character or depends on its neighbours.
_UNSEEN, _DROP, _CONTEXT = -3, -1, -2
_FORMS = np.full(0x110000, _UNSEEN, dtype=np.int32)


def slow_dedup_form(text: str) -> str:
    """The definition of the dedup form: NFKC, case-folded, every character that is not a letter or digit removed."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


@cache
def _composing() -> frozenset[str]:
    """Characters that canonical composition may join to the character before them (a superset of
    NFC_QC=Maybe: the second character of every two-character canonical decomposition, and the
    Hangul vowel and final jamo). No character from U+30000 on has a decomposition."""
    found = {chr(c) for c in [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]}
    for code in range(0x30000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            found.add(chr(int(parts[1], 16)))
    return frozenset(found)


def char_form(char: str) -> int:
    """The code of ``char``'s dedup form when it is one character (:data:`_DROP` when empty) and the
    character can take it alone: its compatibility decomposition holds no character of a nonzero
    combining class and none that composes with the one before. A text of such characters is NFKC
    normalised character by character (nothing to reorder or compose), and case folding and the
    removal of non-letters go character by character too; :data:`_CONTEXT` otherwise."""
    decomposed = unicodedata.normalize("NFKD", char)
    composing = _composing()
    if any(unicodedata.combining(c) or c in composing for c in decomposed):
        return _CONTEXT
    form = slow_dedup_form(char)
    if len(form) > 1:
        return _CONTEXT
    return ord(form) if form else _DROP


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def dedup_form(text: str) -> str:
    """``text`` reduced to what dedup compares: NFKC, case-folded, letters and digits only (as
    :func:`slow_dedup_form`, from a table of the characters' forms when the text allows it)."""
    try:
        codes = _codes(text)
    except UnicodeEncodeError:  # a lone surrogate
        return slow_dedup_form(text)
    form, status = _mapped(codes, _FORMS)
    if status == _UNSEEN:
        for code in np.unique(codes[_FORMS[codes] == _UNSEEN]).tolist():
            _FORMS[code] = char_form(chr(code))
        form, status = _mapped(codes, _FORMS)
    if status == _CONTEXT:
        return slow_dedup_form(text)
    return form.tobytes().decode("utf-32-le")


@njit(cache=True, nogil=True)
def _mapped(codes: np.ndarray, forms: np.ndarray) -> tuple[np.ndarray, int]:  # pragma: no cover - compiled
    """The codes of the characters' forms and 0, or nothing and the first status met that is neither
    a character nor :data:`_DROP` (:data:`_UNSEEN` before :data:`_CONTEXT`)."""
    out = np.empty(codes.size, dtype=np.uint32)
    count, status = 0, 0
    for code in codes:
        form = forms[code]
        if form >= 0:
            out[count] = form
            count += 1
        elif form == _UNSEEN:
            return out[:0], _UNSEEN
        elif form == _CONTEXT:
            status = _CONTEXT
    return (out[:0], status) if status else (out[:count], 0)


@njit(cache=True, nogil=True)
def _rolling_hashes(codes: np.ndarray, size: int) -> np.ndarray:  # pragma: no cover - compiled
    """32-bit hashes of the ``size``-character shingles of ``codes`` (a polynomial hash, wrapping
    modulo 2**64, folded to 32 bits); one shingle if shorter, none if empty."""
    size = min(size, codes.size)
    count = codes.size - size + 1 if codes.size else 0
    out = np.empty(count, dtype=np.uint32)
    for start in range(count):
        value = np.uint64(0)
        for offset in range(size):
            value = value * _POLY + np.uint64(codes[start + offset])
        out[start] = np.uint32((value ^ (value >> np.uint64(32))) & np.uint64(0xFFFFFFFF))
    return out


@njit(cache=True, nogil=True)
def _min_hashes(hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """datasketch's ``affine32`` MinHash values of ``hashes``: each mixed by the MurmurHash3 32-bit
    finaliser, then the least ``a * h + b`` modulo 2**32 of each permutation."""
    mixed = np.empty(hashes.size, dtype=np.uint32)
    for i in range(hashes.size):
        h = hashes[i]
        h ^= h >> np.uint32(16)
        h = np.uint32(h * np.uint32(0x85EBCA6B))
        h ^= h >> np.uint32(13)
        h = np.uint32(h * np.uint32(0xC2B2AE35))
        mixed[i] = h ^ (h >> np.uint32(16))
    out = np.empty(a.size, dtype=np.uint32)
    for p in range(a.size):  # a permutation at a time: the inner loop runs over the hashes, vectorised
        least = np.uint32(0xFFFFFFFF)
        for h in mixed:
            value = np.uint32(a[p] * h + b[p])
            if value < least:
                least = value
        out[p] = least
    return out


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``affine32`` permutations ``(a, b)`` (32-bit) of datasketch's ``MinHash(num_perm, seed)``:
    from NumPy's ``RandomState(seed)``, ``num_perm`` odd multipliers, then ``num_perm`` offsets."""
    draw = np.random.RandomState(seed)
    a = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    return a, draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)


def shingle_hashes(form: str, size: int = DEFAULT_SHINGLE) -> np.ndarray:
    """Distinct 32-bit hashes of the ``size``-character shingles of ``form`` (one shingle if shorter)."""
    return np.unique(_rolling_hashes(_codes(form), size))


def min_hashes(form: str, size: int, permutations: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """MinHash values (32-bit) of the shingle set of ``form``: datasketch's ``MinHash`` with the
    ``affine32`` permutations ``(a, b)`` updated with :func:`shingle_hashes` (all ``0xFFFFFFFF``
    for an empty form). A shingle seen twice changes no minimum, so the hashes are not made distinct."""
    a, b = permutations
    return _min_hashes(_rolling_hashes(_codes(form), size), a, b)
