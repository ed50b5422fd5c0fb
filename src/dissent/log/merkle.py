"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1, over a node store.

Hashing (RFC 9162, 2.1.1)::

    MTH({})       = SHA-256()                                  -- EMPTY_ROOT
    MTH({d0})     = SHA-256(0x00 || d0)                        -- leaf_hash
    MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) -- node_hash,
                    k = the largest power of two smaller than n

The distinct 0x00 / 0x01 prefixes keep a leaf from ever being passed off as an interior node
(second-preimage resistance), which is why the log hashes leaves and nodes differently.

Storage model.  The caller keeps the tree in a database, so everything here is arranged around a
store of *perfect* subtrees only.  A node is addressed as ``(level, index)``: the perfect subtree of
``2**level`` leaves that starts at leaf ``index * 2**level``; level 0 holds the leaf hashes.  Such a
node never changes once its last leaf has been appended, so it can be written once and read by any
number of processes without coordination.  Every tree size ``n`` is described by the nodes that
lie entirely inside ``[0, n)``, so the stored nodes of a bigger tree serve all its prefixes too.

Hashes of ranges that are not perfect (the right-hand edge of a tree whose size is not a power of
two) are never stored: they are recomputed from the range's perfect decomposition, which has at most
``log2(n)`` members (see :func:`perfect_subtrees`).

One round trip per proof.  Every query is split into a pure *plan* (which leaf ranges' hashes are
needed, hence which stored nodes) and an *assembly* step over the fetched mapping.  :func:`root`,
:func:`inclusion_proof`, :func:`consistency_proof` and :meth:`Frontier.load` therefore make exactly
one :meth:`NodeReader.get_nodes` call -- or none at all when the answer needs no stored node (the
empty tree, a one-leaf tree, equal sizes).  Callers that need several answers at once can union the
plans themselves (:func:`inclusion_ranges`, :func:`consistency_ranges`, :func:`nodes_for_ranges`,
:func:`hashes_for_ranges`) and still fetch once.

Verification (:func:`verify_inclusion`, :func:`verify_consistency`) needs only hashes and follows
RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step; it returns ``False`` rather than raising on any
malformed input, because its inputs usually come from an untrusted party.

This module is pure Python with no Django import so that auditors' tools can use it unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final, Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "MemoryNodes",
    "NodeKey",
    "NodeReader",
    "consistency_proof",
    "consistency_ranges",
    "fold",
    "hashes_for_ranges",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "nodes_for_ranges",
    "perfect_subtrees",
    "range_hash",
    "root",
    "tree_nodes_from_leaves",
    "verify_consistency",
    "verify_inclusion",
]

NodeKey = tuple[int, int]
"""``(level, index)``: the perfect subtree of ``2**level`` leaves starting at leaf ``index * 2**level``."""

HASH_SIZE: Final = 32
"""Every hash in the tree is a SHA-256 digest."""

_sha256 = hashlib.sha256
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"

EMPTY_ROOT: Final = _sha256(b"").digest()
"""MTH({}): the hash of the empty tree is the hash of the empty string (RFC 9162, 2.1.1)."""


# --------------------------------------------------------------------------------------------------
# Hashing


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash a leaf entry is stored and proven under."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node from its two children."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Combine a perfect decomposition (left to right, sizes decreasing) into its MTH.

    MTH splits off the largest power of two first, so the leftmost subtree is the left child of
    the root and the rest nests to the right: node(h0, node(h1, node(h2, ...))).  Folding from
    the right reproduces exactly that bracketing.
    """
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = _sha256(_NODE_PREFIX + h + acc).digest()
    return acc


fold = _fold
"""MTH of a range from the hashes of its perfect decomposition (left to right, sizes decreasing)."""


# --------------------------------------------------------------------------------------------------
# Planning: which leaf ranges and which stored nodes a question needs.  Pure integer arithmetic.


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2): where MTH splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[NodeKey]:
    """The leaf range [start, end) as the fewest aligned perfect subtrees, ordered left to right.

    This is the unique greedy cover: at each position take the biggest perfect subtree that is
    aligned there and still fits.  An empty range gives an empty list.

    For every range that MTH and the RFC's proofs ever evaluate -- ``start`` is a multiple of the
    largest power of two not exceeding ``end - start`` (always true for [0, n) and for both halves
    of any split) -- the sizes strictly decrease (they are the binary digits of ``end - start``),
    and folding the hashes right to left with :func:`node_hash` gives MTH(D[start:end]); see
    :func:`range_hash`.  For other ranges the cover is still correct as a set of stored nodes, but
    its fold is not an RFC hash of anything.
    """
    if start < 0 or end < start:
        raise ValueError(f"invalid leaf range [{start}, {end})")
    keys: list[NodeKey] = []
    while start < end:
        # Biggest level allowed by alignment (the lowest set bit of start; any level when start is 0)
        # and by the remaining width.
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _check_mth_range(start: int, end: int) -> None:
    width = end - start
    if width <= 0 or start < 0 or start % (1 << (width.bit_length() - 1)):
        raise ValueError(f"[{start}, {end}) is not a range that MTH evaluates")


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges [start, end) whose MTHs form PATH(index, D[size]), in proof order.

    RFC 9162, 2.1.3.1: descending from the root, the sibling of the half that holds the leaf goes
    to the *end* of the path, so the finished path runs from the leaf's sibling up to the root's
    other child.  We walk down iteratively and reverse.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            ranges.append((lo + k, hi))
            hi = lo + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PROOF(old_size, D[new_size]) (RFC 9162, 2.1.4.1), in order.

    SUBPROOF(m, D[n], b):  m == n gives {} if b (the old root is known to the verifier) else
    {MTH(D[m])};  m <= k recurses left and appends MTH(D[k:n]);  m > k recurses right with
    b = false and appends MTH(D[0:k]).  As with inclusion, appended items end up after the
    recursion's output, so the iterative walk is reversed at the end.

    A proof from the empty tree is empty: every tree extends the empty one.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    ranges: list[tuple[int, int]] = []
    if old_size == 0:
        return ranges
    lo, hi, m, known = 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            if not known:
                ranges.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            known = False
    ranges.reverse()
    return ranges


def nodes_for_ranges(ranges: Iterable[tuple[int, int]]) -> list[NodeKey]:
    """The distinct stored nodes needed to hash all the given ranges: the keys for one batch fetch."""
    keys: dict[NodeKey, None] = {}
    for start, end in ranges:
        _check_mth_range(start, end)
        for key in perfect_subtrees(start, end):
            keys[key] = None
    return list(keys)


# --------------------------------------------------------------------------------------------------
# Assembly: hashes from a fetched mapping of stored nodes.


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH(D[start:end]) from the stored nodes of its perfect decomposition.

    Only ranges that MTH evaluates are accepted (see :func:`perfect_subtrees`): folding any other
    cover would silently produce a hash the RFC never defines.
    """
    _check_mth_range(start, end)
    return _fold([_lookup(nodes, key) for key in perfect_subtrees(start, end)])


def hashes_for_ranges(ranges: Iterable[tuple[int, int]], nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """The MTH of each range, in order: turns a plan plus one fetch into a proof."""
    return [range_hash(start, end, nodes) for start, end in ranges]


def _lookup(nodes: Mapping[NodeKey, bytes], key: NodeKey) -> bytes:
    try:
        return nodes[key]
    except KeyError:
        level, index = key
        first = index << level
        raise KeyError(
            f"Merkle node (level={level}, index={index}) covering leaves [{first}, {first + (1 << level)}) "
            "was not returned by the node store"
        ) from None


# --------------------------------------------------------------------------------------------------
# The store interface and the one-fetch query functions.


class NodeReader(Protocol):
    """Read access to stored perfect-subtree hashes, one batch per call.

    ``get_nodes`` must return a hash for every requested key and should raise ``KeyError`` (or
    ``ValueError``) naming what is missing rather than return a partial mapping; the functions here
    also refuse a partial mapping with a ``KeyError``.
    """

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]: ...


def _fetch(reader: NodeReader, keys: list[NodeKey]) -> Mapping[NodeKey, bytes]:
    """At most one round trip: none when nothing is needed, so stores never see an empty query."""
    if not keys:
        return {}
    return reader.get_nodes(keys)


def root(reader: NodeReader, size: int) -> bytes:
    """MTH(D[size]) of the stored tree's first ``size`` leaves; EMPTY_ROOT for size 0."""
    if size < 0:
        raise ValueError(f"invalid tree size {size}")
    if size == 0:
        return EMPTY_ROOT
    keys = perfect_subtrees(0, size)
    nodes = _fetch(reader, keys)
    return _fold([_lookup(nodes, key) for key in keys])


def inclusion_proof(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162, 2.1.3.1: the audit path from the leaf's sibling upwards.

    ``index`` is zero-based.  Raises ``ValueError`` unless 0 <= index < size.
    """
    ranges = inclusion_ranges(index, size)
    return hashes_for_ranges(ranges, _fetch(reader, nodes_for_ranges(ranges)))


def consistency_proof(reader: NodeReader, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162, 2.1.4.1; empty when old_size is 0 or equals new_size.

    Raises ``ValueError`` unless 0 <= old_size <= new_size.
    """
    ranges = consistency_ranges(old_size, new_size)
    return hashes_for_ranges(ranges, _fetch(reader, nodes_for_ranges(ranges)))


# --------------------------------------------------------------------------------------------------
# Verification (pure; never raises).


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_proof(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, (bytes, bytearray, str))
        and all(_is_hash(item) for item in value)
    )


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows the leaf hash at zero-based ``index`` in the tree of ``size`` with ``root``.

    RFC 9162, 2.1.3.2, step by step.  Anything malformed (index >= size, hashes that are not 32
    bytes, a proof of the wrong length, non-integer sizes) is simply not a valid proof: ``False``.
    """
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_count(index) and _is_count(size)):
        return False
    if not _is_proof(proof) or index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:  # more proof than tree
            return False
        if fn & 1 or fn == sn:
            r = _sha256(_NODE_PREFIX + p + r).digest()
            # If fn was the last node of its level (fn == sn, fn even) it has no right sibling at
            # the next levels either: climb until it becomes a right child or reaches the left edge.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = _sha256(_NODE_PREFIX + r + p).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree (new_size, new_root) extends the tree (old_size, old_root).

    RFC 9162, 2.1.4.2, for 0 < old_size < new_size.  The cases the RFC leaves out are decided as
    follows: equal sizes need an empty proof and equal roots; old_size 0 needs an empty proof and
    ``old_root`` equal to EMPTY_ROOT (the only hash a size-0 tree can have); old_size > new_size,
    hashes that are not 32 bytes and any other malformed input give ``False``.
    """
    if not (_is_count(old_size) and _is_count(new_size) and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if not _is_proof(proof) or old_size > new_size:
        return False
    if old_size == new_size:
        return len(proof) == 0 and old_root == new_root and (old_size > 0 or old_root == EMPTY_ROOT)
    if old_size == 0:
        return len(proof) == 0 and old_root == EMPTY_ROOT
    if len(proof) == 0:
        return False

    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a perfect subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _sha256(_NODE_PREFIX + c + fr).digest()
            sr = _sha256(_NODE_PREFIX + c + sr).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = _sha256(_NODE_PREFIX + sr + c).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --------------------------------------------------------------------------------------------------
# Appending.


class Frontier:
    """The right edge of the tree: enough state to append leaves and compute the root.

    The edge is the hash of each subtree in ``perfect_subtrees(0, size)`` (left to right, one per
    set bit of ``size``), so it holds at most log2(size) + 1 hashes.  Appending a leaf merges
    equal-sized subtrees exactly like incrementing a binary counter, and every merge produces a
    perfect subtree that is now complete and will never change: :meth:`append` returns those, so
    the caller can store them.  That is the only write path the stored tree needs.
    """

    __slots__ = ("_edge", "_size")

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError(f"invalid tree size {size}")
        if len(edge) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} edge hashes, not {len(edge)}")
        if not all(_is_hash(h) for h in edge):
            raise ValueError(f"edge hashes must be {HASH_SIZE}-byte bytes")
        self._size = size
        self._edge = list(edge)

    @classmethod
    def load(cls, reader: NodeReader, size: int) -> Frontier:
        """The frontier of the stored tree at ``size``, with one fetch (none for size 0)."""
        if size < 0:
            raise ValueError(f"invalid tree size {size}")
        keys = perfect_subtrees(0, size)
        nodes = _fetch(reader, keys)
        return cls(size, [_lookup(nodes, key) for key in keys])

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def edge(self) -> tuple[bytes, ...]:
        """The hashes of ``perfect_subtrees(0, size)``, left to right (for inspection and persistence)."""
        return tuple(self._edge)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the newly completed nodes as (level, index, hash), leaf first.

        On average one interior node is completed per leaf, so this costs one SHA-256 besides a
        little bookkeeping.  It is written for speed: locals instead of attribute lookups, no helper
        calls, and the common case of an even size (no merge) handled without a loop.
        """
        if type(leaf_hash) is not bytes or len(leaf_hash) != 32:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
        size = self._size
        edge = self._edge
        self._size = size + 1
        if not size & 1:  # the new leaf starts a new subtree of its own
            edge.append(leaf_hash)
            return [(0, size, leaf_hash)]
        out = [(0, size, leaf_hash)]
        h = leaf_hash
        level = 0
        while size & 1:
            h = _sha256(b"\x01" + edge.pop() + h).digest()
            size >>= 1
            level += 1
            out.append((level, size, h))
        edge.append(h)
        return out

    def root(self) -> bytes:
        """MTH of the tree so far (EMPTY_ROOT when nothing has been appended)."""
        return _fold(self._edge) if self._edge else EMPTY_ROOT


def tree_nodes_from_leaves(leaf_hashes: Iterable[bytes]) -> dict[NodeKey, bytes]:
    """Every stored node of the tree over the given leaf hashes, keyed by (level, index)."""
    frontier = Frontier()
    nodes: dict[NodeKey, bytes] = {}
    for h in leaf_hashes:
        for level, index, value in frontier.append(h):
            nodes[level, index] = value
    return nodes


class MemoryNodes:
    """A dict-backed :class:`NodeReader` for tests, tools and auditors holding a full copy of the tree."""

    def __init__(self, nodes: Mapping[NodeKey, bytes] | Iterable[tuple[int, int, bytes]] = ()) -> None:
        self._nodes: dict[NodeKey, bytes] = {}
        self.add(nodes)

    def add(self, nodes: Mapping[NodeKey, bytes] | Iterable[tuple[int, int, bytes]]) -> None:
        """Store nodes given as :func:`tree_nodes_from_leaves` or :meth:`Frontier.append` returns them."""
        if isinstance(nodes, Mapping):
            self._nodes.update(nodes)
        else:
            for level, index, value in nodes:
                self._nodes[level, index] = value

    def __len__(self) -> int:
        return len(self._nodes)

    def get_nodes(self, keys: Collection[NodeKey]) -> dict[NodeKey, bytes]:
        """The requested nodes; ``KeyError`` listing (some of) those that are not stored."""
        stored = self._nodes
        missing = [key for key in keys if key not in stored]
        if missing:
            shown = ", ".join(f"(level={lv}, index={ix})" for lv, ix in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise KeyError(f"Merkle nodes not stored: {shown}{more}")
        return {key: stored[key] for key in keys}
