"""The model's own route for passages (the fallback when there is no export): length-sorted
batches give the model's vectors, in the order given."""

from __future__ import annotations

import numpy as np


def test_length_sorted_batches_give_the_models_vectors(
    encoder, passage_texts, model_passage_vectors
):
    vectors = encoder.encode_documents(passage_texts)
    assert vectors.dtype == np.float32 and vectors.shape == model_passage_vectors.shape
    np.testing.assert_allclose(vectors, model_passage_vectors, atol=1e-5)
    assert encoder.encode_documents([]).shape == (0, model_passage_vectors.shape[1])
