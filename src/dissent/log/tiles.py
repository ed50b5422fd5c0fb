"""The tree's stored nodes packed into tiles: 6 levels of perfect subtrees a row.

Storing every perfect subtree as its own row costs about two rows per leaf; a tile holds
the nodes of `HEIGHT` consecutive levels below one node, as the tiles of Trillian and the
Go tlog package do, so the store writes about 1/64 row per leaf and a proof at a million
leaves reads four to eight rows instead of twenty to forty.

Tile (L, N) holds every node at levels L*HEIGHT .. L*HEIGHT + HEIGHT - 1 inside the
perfect subtree (L*HEIGHT + HEIGHT, N): its `WIDTH` "base" nodes (level L*HEIGHT) and
the levels above them, but not that subtree's own root, which is a base node of tile
(L + 1, N >> HEIGHT). Every node is stored exactly once. Within a tile the 32-byte hashes
are in the order that appending leaves completes them (post-order: a node right after
its right child), so a tile only ever grows at its end: the rightmost tile of each level
is partial, holding the nodes of its first `width` base nodes, and each batch rewrites it
with the new nodes appended. Nodes already in a tile never change.

Pure arithmetic, no Django: tools can read an exported tile table with it.
"""

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Final

from . import merkle

HEIGHT: Final = 6
WIDTH: Final = 1 << HEIGHT
"""Base nodes a full tile covers."""
FULL: Final = 2 * WIDTH - 2
"""Hashes in a full tile (levels 0 .. HEIGHT - 1 of a perfect subtree of WIDTH base nodes)."""
FULL_BYTES: Final = FULL * merkle.HASH_SIZE

TileKey = tuple[int, int]
"""(tile level L, tile index N)."""

_sha256 = hashlib.sha256


def hashes_in(width: int) -> int:
    """How many hashes a tile over `width` complete base nodes holds."""
    return FULL if width >= WIDTH else 2 * width - width.bit_count()


def locate(level: int, index: int) -> tuple[TileKey, int]:
    """The tile holding node (level, index), and the node's byte offset in it."""
    tile_level, sub = divmod(level, HEIGHT)
    shift = HEIGHT - sub
    tile = index >> shift
    last = ((index - (tile << shift) + 1) << sub) - 1  # the last base node under the node
    # Nodes completed before that base node, then the node itself is `sub` places after it.
    position = 2 * last - last.bit_count() + sub
    return (tile_level, tile), position * merkle.HASH_SIZE


def rightmost(size: int, tile_level: int) -> tuple[int, int]:
    """(tile index, width) of the last tile at `tile_level` of a tree of `size` leaves; width
    0 means that tile is not started yet."""
    base = size >> (tile_level * HEIGHT)
    return base >> HEIGHT, base & (WIDTH - 1)


def levels_of(size: int) -> range:
    """The tile levels that hold at least one node of a tree of `size` leaves."""
    count = 0
    while size >> (count * HEIGHT):
        count += 1
    return range(count)


def tile_count(size: int) -> int:
    """How many tiles (full or partial) a tree of `size` leaves has."""
    return sum(-(-(size >> (level * HEIGHT)) // WIDTH) for level in levels_of(size))


def node_in(tiles: Mapping[TileKey, bytes], level: int, index: int) -> bytes | None:
    """Node (level, index) read out of the given tiles; None if they do not hold it."""
    key, offset = locate(level, index)
    data = tiles.get(key)
    if data is None or len(data) < offset + merkle.HASH_SIZE:
        return None
    return data[offset : offset + merkle.HASH_SIZE]


class TileNodes:
    """A merkle.NodeReader over tiles already fetched (or a function fetching them)."""

    def __init__(self, tiles: Mapping[TileKey, bytes]) -> None:
        self.tiles = tiles

    def get_nodes(self, keys: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        found: dict[merkle.NodeKey, bytes] = {}
        for level, index in keys:
            node = node_in(self.tiles, level, index)
            if node is None:
                raise KeyError(f"log node (level={level}, index={index}) is not in the stored tiles")
            found[level, index] = node
        return found


def tiles_for(keys: Iterable[merkle.NodeKey]) -> list[TileKey]:
    """The distinct tiles holding the given nodes."""
    return list(dict.fromkeys(locate(level, index)[0] for level, index in keys))


def partial_tiles(size: int) -> list[TileKey]:
    """The rightmost started tile of each level: they hold the tree's right edge (the nodes
    of merkle.perfect_subtrees(0, size)) and are the only tiles an append changes."""
    keys = []
    for tile_level in levels_of(size):
        tile, width = rightmost(size, tile_level)
        if width:
            keys.append((tile_level, tile))
    return keys


class TileAppender:
    """Appends leaf hashes to a tree of `size` leaves whose partial tiles are given, and
    says which tiles changed. The sequencer's hot loop: one SHA-256 per leaf on average
    besides the leaf hash, and no per-node objects beyond the hashes themselves."""

    def __init__(self, size: int, partial: Mapping[TileKey, bytes]) -> None:
        edge = []
        for level, index in merkle.perfect_subtrees(0, size):
            node = node_in(partial, level, index)
            if node is None:
                raise KeyError(f"log node (level={level}, index={index}) is missing from the stored tiles")
            edge.append(node)
        self._start = size
        self._size = size
        self._edge = edge
        self._partial = dict(partial)
        self._streams: list[list[bytes]] = [[] for _ in range(64 // HEIGHT + 1)]

    @property
    def size(self) -> int:
        return self._size

    def root(self) -> bytes:
        return merkle.Frontier(self._size, self._edge).root()

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        edge, size, streams = self._edge, self._size, self._streams
        low = streams[0]
        sha256 = _sha256
        for leaf in leaf_hashes:
            low.append(leaf)
            node, rest, level = leaf, size, 0
            while rest & 1:
                node = sha256(b"\x01" + edge.pop() + node).digest()
                rest >>= 1
                level += 1
                (low if level < HEIGHT else streams[level // HEIGHT]).append(node)
            edge.append(node)
            size += 1
        self._size = size

    def changed(self) -> Iterator[tuple[int, int, bytes, bool]]:
        """(tile level, tile index, the tile's whole new content, whether it was stored
        before) for every tile the appended leaves changed."""
        for tile_level, stream in enumerate(self._streams):
            if not stream:
                continue
            first, width = rightmost(self._start, tile_level)
            prefix = self._partial.get((tile_level, first), b"") if width else b""
            if len(prefix) != hashes_in(width) * merkle.HASH_SIZE:
                raise ValueError(
                    f"tile {tile_level}/{first} holds {len(prefix)} bytes, not {width} base nodes"
                )
            data = prefix + b"".join(stream)
            for number, offset in enumerate(range(0, len(data), FULL_BYTES)):
                yield (
                    tile_level,
                    first + number,
                    data[offset : offset + FULL_BYTES],
                    number == 0 and width > 0,
                )


# --------------------------------------------------------------------------------------------------
# Building tiles from a run of base nodes in one pass (verification).


@cache
def _order(width: int) -> tuple[tuple[int, int], ...]:
    """(sublevel, index) of the hashes of a tile over `width` base nodes, in stored order."""
    out = []
    for last in range(width):
        out.append((0, last))
        sub, rest = 0, last
        while rest & 1 and sub + 1 < HEIGHT:
            sub += 1
            rest >>= 1
            out.append((sub, rest))
    return tuple(out)


@cache
def _gather(count: int) -> tuple[int, ...]:
    """Where each stored hash of `count` consecutive base nodes' tiles sits in the levels
    of :func:`build_levels` laid end to end."""
    offsets, total = [], 0
    for sub in range(HEIGHT):
        offsets.append(total)
        total += count >> sub
    out: list[int] = []
    for first in range(0, count, WIDTH):
        width = min(WIDTH, count - first)
        out.extend(offsets[sub] + (first >> sub) + index for sub, index in _order(width))
    return tuple(out)


def build_levels(base: Sequence[bytes], top: int) -> list[list[bytes]]:
    """Levels 0 .. top of the perfect subtrees over `base` (which starts at a multiple of
    2**top): level j holds len(base) >> j nodes."""
    sha256 = _sha256
    levels = [list(base)]
    for _ in range(top):
        below = levels[-1]
        levels.append(
            [sha256(b"\x01" + a + b).digest() for a, b in zip(below[0::2], below[1::2], strict=False)]
        )
    return levels


def tiles_from_levels(levels: Sequence[Sequence[bytes]]) -> list[bytes]:
    """The stored form of the tiles over levels[0] (which starts at a tile boundary), given
    at least HEIGHT levels from :func:`build_levels`."""
    count = len(levels[0])
    flat: list[bytes] = []
    for sub in range(HEIGHT):
        flat.extend(levels[sub])
    joined = b"".join(map(flat.__getitem__, _gather(count)))
    tiles, offset = [], 0
    for first in range(0, count, WIDTH):
        size = hashes_in(min(WIDTH, count - first)) * merkle.HASH_SIZE
        tiles.append(joined[offset : offset + size])
        offset += size
    return tiles
