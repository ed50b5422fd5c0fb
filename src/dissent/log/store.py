"""The Merkle tree's nodes as database rows: the NodeReader the proofs read through."""

from collections.abc import Collection, Mapping

from django.db.models import Q

from .models import LogNode


class DatabaseNodes:
    """Reads stored perfect-subtree nodes, all requested keys in one query."""

    def get_nodes(self, keys: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        if not keys:
            return {}
        wanted = Q()
        for level, index in keys:
            wanted |= Q(level=level, index=index)
        found = {
            (level, index): bytes(h)
            for level, index, h in LogNode.objects.filter(wanted).values_list("level", "index", "hash")
        }
        missing = [key for key in keys if key not in found]
        if missing:
            raise KeyError(f"log nodes missing from the store: {missing[:5]}")
        return found
