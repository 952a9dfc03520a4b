"""Offline embeddings: deterministic, unit length, 1536-d, and lexically honest."""

import numpy as np

from shared.ai.base import EMBEDDING_DIMENSIONS
from shared.ai.embeddings import HashingEmbedder, pad

# (text, text, related?) — related pairs share words or word pieces, as a media library's
# descriptions and searches do; the hashing embedder cannot see synonyms it has no words for.
PAIRS = [
    ("a red sneaker on a white background", "red running sneakers", True),
    ("sunset over the ocean with palm trees", "palm trees at sunset on the beach", True),
    ("team photo of smiling office workers", "smiling team in the office", True),
    ("a bowl of fresh fruit salad", "fresh fruit in a bowl", True),
    ("mountain landscape covered in snow", "snowy mountains landscape", True),
    ("yoga class in a bright studio", "students in a yoga studio", True),
    ("close-up of a coffee cup", "coffee cups close up", True),
    ("wedding couple dancing", "the couple's first dance at their wedding", True),
    ("a red sneaker on a white background", "quarterly financial report chart", False),
    ("sunset over the ocean with palm trees", "keyboard and computer mouse", False),
    ("team photo of smiling office workers", "a bowl of ramen noodles", False),
    ("a bowl of fresh fruit salad", "snowy mountains landscape", False),
    ("mountain landscape covered in snow", "students in a yoga studio", False),
    ("yoga class in a bright studio", "close-up of a coffee cup", False),
    ("close-up of a coffee cup", "wedding couple dancing", False),
    ("wedding couple dancing", "red running sneakers", False),
]


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))  # both are unit vectors


def test_vectors_are_deterministic_unit_length_and_1536_wide() -> None:
    embedder = HashingEmbedder()
    first, again = embedder.embed(["hello world"]), embedder.embed(["hello world"])
    assert first == again
    assert len(first[0]) == EMBEDDING_DIMENSIONS
    assert abs(np.linalg.norm(first[0]) - 1) < 1e-5


def test_related_texts_embed_closer_than_unrelated_ones() -> None:
    embedder = HashingEmbedder()
    related = [cosine(*embedder.embed([a, b])) for a, b, close in PAIRS if close]
    unrelated = [cosine(*embedder.embed([a, b])) for a, b, close in PAIRS if not close]
    # The share of (related, unrelated) pairings ranked the right way round (ROC AUC).
    score = sum(r > u for r in related for u in unrelated) / (len(related) * len(unrelated))
    print(f"\nhashing embedder: related mean {np.mean(related):.3f}, unrelated mean {np.mean(unrelated):.3f}, "
          f"ranking score (AUC) {score:.3f}")
    assert min(related) > max(unrelated)
    assert score == 1.0


def test_padding_keeps_cosine_and_distance() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=384).astype(np.float32), rng.normal(size=384).astype(np.float32)
    padded_a, padded_b = pad(a), pad(b)
    assert padded_a.shape == (EMBEDDING_DIMENSIONS,)
    assert np.isclose(np.dot(a, b), np.dot(padded_a, padded_b), rtol=1e-5)
    assert np.isclose(np.linalg.norm(a - b), np.linalg.norm(padded_a - padded_b), rtol=1e-5)
