"""Query vectors, cached: searches repeat, and embedding one costs a call to the model."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from shared.ai import AIProvider


class QueryEmbeddings:
    """Recent query vectors, least recently used out first."""

    def __init__(self, provider: AIProvider, size: int = 1024) -> None:
        self.provider = provider
        self.size = size
        self._vectors: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()

    async def of(self, query: str) -> tuple[str, np.ndarray]:
        """(the embedding model, the query's vector)."""
        found = self._vectors.get(query)
        if found is None:
            result = await self.provider.embed([query])
            found = (result.model, np.asarray(result.vectors[0], dtype=np.float32))
            self._vectors[query] = found
            if len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        self._vectors.move_to_end(query)
        return found
