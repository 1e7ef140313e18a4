"""The fast dedup form, shingle hashes and MinHash values are the definitions' values: the dedup
form of every character in random company, datasketch's permutations and MinHash of the shingles."""
from __future__ import annotations

import random
import sys
import unicodedata

import numpy as np
from datasketch import MinHash

from pipelines.dedup import SEED, Deduplicator
from pipelines.dedup_hash import (
    _CONTEXT,
    char_form,
    dedup_form,
    min_hashes,
    permutations,
    shingle_hashes,
    slow_dedup_form,
)

CODES = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]


def test_no_character_from_u30000_on_decomposes():
    """:func:`pipelines.dedup_hash._composing` looks for composing characters below U+30000 only."""
    assert not [hex(c) for c in range(0x30000, sys.maxunicode + 1) if unicodedata.decomposition(chr(c))]


def test_the_dedup_form_of_characters_in_any_order_is_the_definitions():
    """Every character the table takes alone, shuffled into texts (so each meets many neighbours),
    and every character in code order (the others make their text take the definition)."""
    alone = [chr(c) for c in CODES if char_form(chr(c)) != _CONTEXT]
    assert len(alone) > 1_000_000
    random.Random(7).shuffle(alone)
    for chars in (alone, [chr(c) for c in CODES]):
        for start in range(0, len(chars), 4096):
            text = "".join(chars[start:start + 4096])
            assert dedup_form(text) == slow_dedup_form(text), start


def test_texts_that_compose_reorder_or_cannot_be_encoded_take_the_definition():
    texts = ["Cafe\u0301 ＡＢＣ，１２３！", "가각\u1100\u1161\u11a8", "a\u0345\u0300b\u0300\u0345", "=\u0338<\u0338",
             "Straße ﬁne ① ㈠ ㎏", "x\ud800y", "", "，。！？"]
    for text in texts:
        assert dedup_form(text) == slow_dedup_form(text), text


def test_permutations_are_datasketchs():
    for num_perm, seed in ((128, SEED), (1, 0), (64, 7), (256, 12345)):
        theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        ours = permutations(num_perm, seed)
        assert [p.dtype for p in ours] == [np.dtype(np.uint32)] * 2
        assert np.array_equal(np.stack(ours), theirs), (num_perm, seed)


def test_min_hashes_are_datasketchs_minhash_of_the_shingles():
    dedup = Deduplicator()
    rng = random.Random(3)
    alphabet = "春夏秋冬山水花鸟的了是我你他，。abc123"
    forms = ["", "山", "山水花鸟", "山水花鸟虫", "的的的的的的的的的的的的"]
    forms += [dedup_form("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 3000)))) for _ in range(60)]
    for form in forms:
        reference = MinHash(num_perm=128, seed=SEED, hashfunc=lambda v: v)
        reference.update_batch(shingle_hashes(form).tolist())
        assert np.array_equal(min_hashes(form, 5, dedup._permutations), reference.hashvalues), form
        assert np.array_equal(dedup.signature(form), reference.hashvalues)


def test_shingle_hashes_are_the_distinct_hashes_of_each_window():
    form = "春夏秋冬春夏秋冬春"
    windows = {form[i:i + 5] for i in range(len(form) - 4)}
    assert len(shingle_hashes(form)) == len(windows) == 4
    assert len(shingle_hashes("春夏")) == 1 and len(shingle_hashes("")) == 0
    assert shingle_hashes("春夏秋冬春夏秋冬").tolist() == shingle_hashes("春夏秋冬春夏秋冬春夏秋冬").tolist()
