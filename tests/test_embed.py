"""The model's own route for passages (the fallback when there is no export): length-sorted
batches give the model's vectors, in the order given."""

from __future__ import annotations

import numpy as np
import pytest


def test_length_sorted_batches_give_the_models_vectors(
    encoder, passage_texts, model_passage_vectors
):
    # A third of the report's passages, short and long, in batches of their own lengths.
    picked = list(range(0, len(passage_texts), 3))
    vectors = encoder.encode_documents([passage_texts[i] for i in picked])
    assert vectors.dtype == np.float32 and vectors.shape == (
        len(picked),
        model_passage_vectors.shape[1],
    )
    np.testing.assert_allclose(vectors, model_passage_vectors[picked], atol=1e-5)
    assert encoder.encode_documents([]).shape == (0, model_passage_vectors.shape[1])


def test_max_seq_length_of_models_saved_by_current_sentence_transformers(tmp_path):
    from qa.embed import max_seq_length

    # Older models: sentence_bert_config.json holds it (the shipped model reads 256).
    old = tmp_path / "old"
    old.mkdir()
    (old / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    (old / "tokenizer_config.json").write_text('{"model_max_length": 512}')
    assert max_seq_length(old) == 128
    # sentence-transformers 5+ leaves it out and keeps it with the tokenizer.
    new = tmp_path / "new"
    new.mkdir()
    (new / "sentence_bert_config.json").write_text('{"transformer_task": "feature-extraction"}')
    (new / "tokenizer_config.json").write_text('{"model_max_length": 96}')
    assert max_seq_length(new) == 96
    # A tokenizer without a limit writes a sentinel: the default holds.
    (new / "tokenizer_config.json").write_text('{"model_max_length": 1000000000000000019884}')
    assert max_seq_length(new) == 256


def test_a_model_path_that_does_not_exist_is_refused_before_loading_anything(tmp_path):
    from qa.embed import resolve_model
    from qa.errors import ModelError

    with pytest.raises(ModelError, match="there is no folder"):
        resolve_model(str(tmp_path / "no-such-model"))
    with pytest.raises(ModelError, match="there is no folder"):
        resolve_model("./no-such-model")
    assert resolve_model("org/some-model") == "org/some-model"  # a hub name, left to the hub
