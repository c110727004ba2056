"""Length-sorted batches: every text once, longest first, vectors back in the input order."""

from __future__ import annotations

import numpy as np
import pytest

from qa.batching import encode_in_length_order, length_batches


def test_batches_hold_every_position_once_longest_first():
    lengths = [5, 40, 12, 40, 3, 200, 7]
    batches = list(length_batches(lengths, 3))
    assert [len(b) for b in batches] == [3, 3, 1]
    flat = np.concatenate(batches).tolist()
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    assert flat[1:3] == [1, 3]  # equal lengths keep their input order


def test_vectors_come_back_in_the_input_order():
    lengths = [9, 2, 30, 2, 17]
    seen = []

    def encode(positions):
        assert len(positions) <= 2
        return np.array([[lengths[i], i] for i in positions], dtype=np.float32)

    vectors = encode_in_length_order(lengths, encode, 2, 2, progress=seen.append)
    assert vectors.tolist() == [[n, i] for i, n in enumerate(lengths)]
    assert vectors.dtype == np.float32 and seen == [2, 2, 1]
    assert encode_in_length_order([], encode, 2, 2).shape == (0, 2)


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        list(length_batches([1, 2], 0))
