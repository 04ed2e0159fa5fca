"""A small least-recently-used cache (per evaluator process; never pickled)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["LRUCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    __slots__ = ("_data", "_size")

    def __init__(self, size: int) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The cached value for ``key``, computing it with ``make()`` on a miss."""
        data = self._data
        try:
            data.move_to_end(key)
            return data[key]
        except KeyError:
            value = data[key] = make()
            if len(data) > self._size:
                data.popitem(last=False)
            return value
