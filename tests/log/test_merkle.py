"""The RFC 9162 Merkle tree: published test vectors, an independent implementation (pymerkle), a
recursive reference written straight from the RFC's definitions, and property tests.

Plain functions, no database: the tree code is pure and reads nodes through a NodeReader."""

from collections.abc import Callable, Collection, Mapping
from functools import cache, partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dissent.log.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryNodes,
    NodeKey,
    NodeReader,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    nodes_for_ranges,
    perfect_subtrees,
    range_hash,
    root,
    tree_nodes_from_leaves,
    verify_consistency,
    verify_inclusion,
)

# --------------------------------------------------------------------------------------------------
# Known answers.  The reference tree of eight leaves shared by the well-known CT implementations,
# published in google/certificate-transparency cpp/merkletree/merkle_tree_test.cc (kInputs,
# kSHA256Roots, kSHA256Paths, kSHA256Proofs) and carried over to transparency-dev/merkle
# proof/verify_test.go (leaves, roots, inclusionProofs, consistencyProofs; the 6 -> 7 proof is
# only in the latter).  Their leaf numbers are one-based; ours are zero-based.

VECTOR_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]

VECTOR_ROOTS = {  # tree size -> MTH
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

VECTOR_EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

VECTOR_INCLUSION = [  # (zero-based leaf index, tree size, path)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

VECTOR_CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

VECTOR_STORE = MemoryNodes(tree_nodes_from_leaves(leaf_hash(d) for d in VECTOR_LEAVES))


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def test_the_empty_tree_hashes_to_the_hash_of_the_empty_string() -> None:
    assert EMPTY_ROOT.hex() == VECTOR_EMPTY_ROOT
    assert root(VECTOR_STORE, 0) == EMPTY_ROOT
    assert Frontier().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_published_vectors(size: int) -> None:
    assert root(VECTOR_STORE, size).hex() == VECTOR_ROOTS[size]


def test_frontier_roots_match_the_published_vectors() -> None:
    frontier = Frontier()
    for size, data in enumerate(VECTOR_LEAVES, start=1):
        frontier.append(leaf_hash(data))
        assert frontier.root().hex() == VECTOR_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), VECTOR_INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(VECTOR_STORE, index, size)

    assert hexes(proof) == path
    root_hash = bytes.fromhex(VECTOR_ROOTS[size])
    assert verify_inclusion(leaf_hash(VECTOR_LEAVES[index]), index, size, proof, root_hash)


@pytest.mark.parametrize(("old", "new", "path"), VECTOR_CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(VECTOR_STORE, old, new)

    assert hexes(proof) == path
    old_root, new_root = bytes.fromhex(VECTOR_ROOTS[old]), bytes.fromhex(VECTOR_ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)


@pytest.mark.parametrize(("index", "size", "path"), VECTOR_INCLUSION[1:])
def test_published_inclusion_proofs_resist_the_published_corruptions(
    index: int, size: int, path: list[str]
) -> None:
    """The corruptions the CT verifier tests try, against the published proofs."""
    proof = [bytes.fromhex(h) for h in path]
    leaf, root_hash = leaf_hash(VECTOR_LEAVES[index]), bytes.fromhex(VECTOR_ROOTS[size])
    wrong = [
        (index - 1, size, leaf, root_hash, proof),
        (index + 1, size, leaf, root_hash, proof),
        (index ^ 2, size, leaf, root_hash, proof),
        (index, size * 2, leaf, root_hash, proof),
        (index, size // 2, leaf, root_hash, proof),
        (index, size, leaf_hash(b"WrongLeaf"), root_hash, proof),
        (index, size, leaf, EMPTY_ROOT, proof),
        (index, size, leaf, root_hash, [*proof, root_hash]),
        (index, size, leaf, root_hash, [root_hash, *proof]),
        (index, size, leaf, root_hash, proof[:-1]),
        *[(index, size, leaf, root_hash, flip(proof, i, 0)) for i in range(len(proof))],
    ]
    assert [w[:2] for w in wrong if verify_inclusion(w[2], w[0], w[1], w[4], w[3])] == []


@pytest.mark.parametrize(("old", "new", "path"), VECTOR_CONSISTENCY[1:])
def test_published_consistency_proofs_resist_the_published_corruptions(
    old: int, new: int, path: list[str]
) -> None:
    proof = [bytes.fromhex(h) for h in path]
    r1, r2 = bytes.fromhex(VECTOR_ROOTS[old]), bytes.fromhex(VECTOR_ROOTS[new])
    wrong = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, EMPTY_ROOT, r2, proof),
        (old, new, r1, EMPTY_ROOT, proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
        *[(old, new, r1, r2, flip(proof, i, 0)) for i in range(len(proof))],
    ]
    assert [w[:2] for w in wrong if verify_consistency(*w)] == []


# --------------------------------------------------------------------------------------------------
# A reference written straight from the RFC's recursive definitions (2.1.1, 2.1.3.1, 2.1.4.1),
# over a fixed list of leaves, memoised by leaf range.

BIG = 3000
BIG_LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(BIG)]
BIG_STORE = MemoryNodes(tree_nodes_from_leaves(BIG_LEAVES))


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def ref_mth(lo: int, hi: int) -> bytes:
    if hi == lo:
        return EMPTY_ROOT
    if hi - lo == 1:
        return BIG_LEAVES[lo]
    k = split(hi - lo)
    return node_hash(ref_mth(lo, lo + k), ref_mth(lo + k, hi))


def ref_path(m: int, lo: int, hi: int) -> list[bytes]:
    if hi - lo == 1:
        return []
    k = split(hi - lo)
    if m < k:
        return [*ref_path(m, lo, lo + k), ref_mth(lo + k, hi)]
    return [*ref_path(m - k, lo + k, hi), ref_mth(lo, lo + k)]


def ref_subproof(m: int, lo: int, hi: int, known: bool) -> list[bytes]:
    if m == hi - lo:
        return [] if known else [ref_mth(lo, hi)]
    k = split(hi - lo)
    if m <= k:
        return [*ref_subproof(m, lo, lo + k, known), ref_mth(lo + k, hi)]
    return [*ref_subproof(m - k, lo + k, hi, False), ref_mth(lo, lo + k)]


def flip(proof: list[bytes], element: int, position: int) -> list[bytes]:
    """The proof with one bit of one byte of one element flipped."""
    changed = bytearray(proof[element])
    changed[position] ^= 0x10
    return [*proof[:element], bytes(changed), *proof[element + 1 :]]


def test_every_small_tree_matches_the_reference_exhaustively() -> None:
    for n in range(0, 65):
        assert root(BIG_STORE, n) == ref_mth(0, n)
        for i in range(n):
            assert inclusion_proof(BIG_STORE, i, n) == ref_path(i, 0, n)
        for m in range(1, n + 1):
            assert consistency_proof(BIG_STORE, m, n) == ref_subproof(m, 0, n, True)


# --------------------------------------------------------------------------------------------------
# Property tests over one stored tree of BIG leaves; every smaller tree is a prefix of it, and a
# prefix's stored nodes are a subset of the big tree's.


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, BIG))
    return size, draw(st.integers(0, size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(st.integers(1, BIG))
    return draw(st.integers(1, new)), new


@hypothesis_settings(max_examples=300, deadline=None)
@given(size_and_index(), st.data())
def test_inclusion_proofs_verify_and_nothing_else_does(params: tuple[int, int], data: st.DataObject) -> None:
    size, index = params
    proof = inclusion_proof(BIG_STORE, index, size)
    root_hash = root(BIG_STORE, size)
    leaf = BIG_LEAVES[index]

    assert proof == ref_path(index, 0, size)
    assert root_hash == ref_mth(0, size)
    assert verify_inclusion(leaf, index, size, proof, root_hash)

    other_leaf = BIG_LEAVES[(index + 1) % BIG]
    assert not verify_inclusion(other_leaf, index, size, proof, root_hash)
    for wrong_index in {index - 1, index + 1, index ^ 2, index ^ 1, size} - {index}:
        assert not verify_inclusion(leaf, wrong_index, size, proof, root_hash)
    # A wrong size is checked against that size's root, as a verifier holding a signed tree head
    # for it would.  (Paired with *this* root the claim can hold: the path for leaf 0 of 5 leaves
    # also leads to root(5) when read as a path in 6 leaves -- a tree head binds size and root.)
    for wrong_size in {size - 1, size + 1, size * 2, size // 2} - {size}:
        if 0 < wrong_size <= BIG:
            assert not verify_inclusion(leaf, index, wrong_size, proof, root(BIG_STORE, wrong_size))
    assert not verify_inclusion(leaf, index, size, [*proof, root_hash], root_hash)
    assert not verify_inclusion(leaf, index, size, [leaf, *proof], root_hash)
    if proof:
        element = data.draw(st.integers(0, len(proof) - 1), label="element")
        position = data.draw(st.integers(0, 31), label="byte")
        assert not verify_inclusion(leaf, index, size, flip(proof, element, position), root_hash)
        assert not verify_inclusion(leaf, index, size, proof[:-1], root_hash)
        assert not verify_inclusion(leaf, index, size, proof[1:], root_hash)


@hypothesis_settings(max_examples=300, deadline=None)
@given(two_sizes(), st.data())
def test_consistency_proofs_verify_and_nothing_else_does(sizes: tuple[int, int], data: st.DataObject) -> None:
    old, new = sizes
    proof = consistency_proof(BIG_STORE, old, new)
    old_root, new_root = root(BIG_STORE, old), root(BIG_STORE, new)

    assert proof == ref_subproof(old, 0, new, True)
    assert verify_consistency(old, new, old_root, new_root, proof)

    if old == new:
        assert proof == []
        assert not verify_consistency(old, new, old_root, new_root, [old_root])
        return
    # Wrong sizes are checked against their own roots (see the inclusion test for why).
    for wrong_old in {old - 1, old + 1, old ^ 2, old ^ 1} - {old}:
        if 0 <= wrong_old <= new:
            assert not verify_consistency(wrong_old, new, root(BIG_STORE, wrong_old), new_root, proof)
    for wrong_new in {new - 1, new + 1, new * 2, new // 2} - {new}:
        if 0 <= wrong_new <= BIG:
            assert not verify_consistency(old, wrong_new, old_root, root(BIG_STORE, wrong_new), proof)
    assert not verify_consistency(old, new, new_root, old_root, proof)
    assert not verify_consistency(old, new, old_root, old_root, proof)
    assert not verify_consistency(old, new, old_root, new_root, [])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
    assert not verify_consistency(old, new, old_root, new_root, [proof[0], *proof])
    assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, new, old_root, new_root, proof[1:])
    element = data.draw(st.integers(0, len(proof) - 1), label="element")
    position = data.draw(st.integers(0, 31), label="byte")
    assert not verify_consistency(old, new, old_root, new_root, flip(proof, element, position))


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.integers(0, BIG), st.integers(0, BIG))
def test_perfect_subtrees_cover_the_range_with_aligned_perfect_subtrees(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    keys = perfect_subtrees(start, end)

    covered: list[int] = []
    for level, index in keys:
        covered.extend(range(index << level, (index + 1) << level))
    assert covered == list(range(start, end))
    width = end - start
    if width and start % (1 << (width.bit_length() - 1)) == 0:  # a range MTH evaluates
        assert [level for level, _ in keys] == sorted({level for level, _ in keys}, reverse=True)
        assert range_hash(start, end, BIG_STORE.get_nodes(keys)) == ref_mth(start, end)


def test_perfect_subtrees_examples() -> None:
    assert perfect_subtrees(0, 0) == []
    assert perfect_subtrees(0, 1) == [(0, 0)]
    assert perfect_subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_subtrees(8, 13) == [(2, 2), (0, 12)]
    assert perfect_subtrees(1, 7) == [(0, 1), (1, 1), (1, 2), (0, 6)]  # a cover, but not an MTH range
    with pytest.raises(ValueError, match="not a range that MTH evaluates"):
        range_hash(1, 7, BIG_STORE.get_nodes(perfect_subtrees(1, 7)))
    with pytest.raises(ValueError):
        perfect_subtrees(5, 4)


def test_proof_plans_name_the_published_nodes() -> None:
    """transparency-dev/merkle proof/proof_test.go lists the nodes of these proofs."""
    assert nodes_for_ranges(inclusion_ranges(0, 7)) == [(0, 1), (1, 1), (1, 2), (0, 6)]
    assert nodes_for_ranges(inclusion_ranges(6, 7)) == [(1, 2), (2, 0)]
    assert nodes_for_ranges(consistency_ranges(5, 7)) == [(0, 4), (0, 5), (0, 6), (2, 0)]  # e f j k
    assert consistency_ranges(5, 7) == [(4, 5), (5, 6), (6, 7), (0, 4)]
    assert nodes_for_ranges(consistency_ranges(2, 8)) == [(1, 1), (2, 1)]
    assert consistency_ranges(4, 4) == consistency_ranges(0, 9) == []


# --------------------------------------------------------------------------------------------------
# One fetch per question.


class CountingReader:
    def __init__(self, inner: MemoryNodes) -> None:
        self.inner = inner
        self.calls: list[list[NodeKey]] = []

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        self.calls.append(list(keys))
        return self.inner.get_nodes(keys)


def test_each_question_costs_one_fetch_of_distinct_keys() -> None:
    for n in [*range(1, 70), 255, 256, 257, 1000, 2047, 2999, BIG]:
        cases: list[tuple[str, Callable[[NodeReader], object]]] = [
            ("root", partial(root, size=n)),
            ("load", partial(Frontier.load, size=n)),
        ]
        cases += [
            ("inclusion", partial(inclusion_proof, index=i, size=n)) for i in {0, n // 3, n - 1} if n > 1
        ]
        cases += [
            ("consistency", partial(consistency_proof, old_size=m, new_size=n))
            for m in {1, n // 2, n - 1}
            if 0 < m < n
        ]
        for name, question in cases:
            reader = CountingReader(BIG_STORE)
            question(reader)
            assert len(reader.calls) == 1, (name, n)
            keys = reader.calls[0]
            assert len(keys) == len(set(keys)), (name, n)
            assert len(keys) <= 2 * n.bit_length() + 2, (name, n)


def test_answers_that_need_no_stored_node_do_not_fetch() -> None:
    reader = CountingReader(BIG_STORE)

    assert root(reader, 0) == EMPTY_ROOT
    assert inclusion_proof(reader, 0, 1) == []
    assert consistency_proof(reader, 0, 10) == []
    assert consistency_proof(reader, 10, 10) == []
    assert Frontier.load(reader, 0).size == 0
    assert reader.calls == []


def test_a_tree_that_is_not_stored_is_reported_not_misread() -> None:
    small = MemoryNodes(tree_nodes_from_leaves(BIG_LEAVES[:5]))

    with pytest.raises(KeyError, match="not stored"):
        root(small, 6)
    with pytest.raises(KeyError, match="not stored"):
        inclusion_proof(small, 0, 8)

    class Forgetful:
        def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
            return {}

    with pytest.raises(KeyError, match=r"level=2, index=0.*leaves \[0, 4\)"):
        root(Forgetful(), 5)


def test_proof_requests_outside_the_tree_are_refused() -> None:
    for index, size in [(0, 0), (5, 5), (-1, 3)]:
        with pytest.raises(ValueError):
            inclusion_proof(BIG_STORE, index, size)
    for old, new in [(6, 5), (-1, 3)]:
        with pytest.raises(ValueError):
            consistency_proof(BIG_STORE, old, new)
    with pytest.raises(ValueError):
        root(BIG_STORE, -1)


# --------------------------------------------------------------------------------------------------
# Verification never raises, and decides the cases the RFC leaves out.

JUNK = [None, -1, 0, 1, True, 2**70, b"", b"x" * 31, b"x" * 33, "x" * 32, bytearray(32), [b"x" * 32], 1.5]


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([*JUNK, BIG_LEAVES[0]]),
    st.sampled_from(JUNK),
    st.sampled_from(JUNK),
    st.sampled_from([*JUNK, [], b"x" * 64, [b"x" * 32, None], "abc"]),
    st.sampled_from([*JUNK, BIG_LEAVES[0]]),
)
def test_verifiers_return_false_on_junk_and_never_raise(
    a: object, b: object, c: object, d: object, e: object
) -> None:
    assert verify_inclusion(a, b, c, d, e) in (True, False)  # type: ignore[arg-type]
    assert verify_consistency(b, c, a, e, d) in (True, False)  # type: ignore[arg-type]


def test_malformed_inclusion_claims_are_false() -> None:
    leaf, root1 = BIG_LEAVES[0], root(BIG_STORE, 1)

    assert verify_inclusion(leaf, 0, 1, [], root1)
    assert not verify_inclusion(leaf, 0, 0, [], root1)
    assert not verify_inclusion(leaf, 1, 1, [], root1)
    assert not verify_inclusion(leaf, -1, 1, [], root1)
    assert not verify_inclusion(leaf, True, 2, [BIG_LEAVES[1]], root(BIG_STORE, 2))
    assert not verify_inclusion(leaf[:31], 0, 1, [], root1)
    assert not verify_inclusion(leaf, 0, 1, [], root1 + b"\x00")
    assert not verify_inclusion(leaf, 0, 2, [BIG_LEAVES[1][:31]], root(BIG_STORE, 2))
    assert not verify_inclusion(leaf, 0, 2, BIG_LEAVES[1], root(BIG_STORE, 2))  # type: ignore[arg-type]


def test_consistency_edge_cases() -> None:
    r5, r7 = root(BIG_STORE, 5), root(BIG_STORE, 7)

    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 7, EMPTY_ROOT, r7, [])
    assert verify_consistency(7, 7, r7, r7, [])
    assert not verify_consistency(0, 0, r7, r7, [])  # a size-0 tree only has the empty root
    assert not verify_consistency(0, 7, r5, r7, [])
    assert not verify_consistency(0, 7, EMPTY_ROOT, r7, [r7])
    assert not verify_consistency(7, 7, r7, r5, [])
    assert not verify_consistency(7, 7, r7, r7, [r7])
    assert not verify_consistency(7, 5, r7, r5, consistency_proof(BIG_STORE, 5, 7))
    assert not verify_consistency(1, 2, BIG_LEAVES[0], root(BIG_STORE, 2), [])
    assert not verify_consistency(-1, 7, EMPTY_ROOT, r7, [])


# --------------------------------------------------------------------------------------------------
# The frontier.


def test_frontier_roots_and_new_nodes_match_the_stored_tree() -> None:
    frontier = Frontier()
    for n in range(1, 400):
        new_nodes = frontier.append(BIG_LEAVES[n - 1])

        assert frontier.size == n
        assert frontier.root() == root(BIG_STORE, n) == ref_mth(0, n)
        assert list(frontier.edge) == [BIG_STORE.get_nodes([key])[key] for key in perfect_subtrees(0, n)]
        # Exactly the perfect subtrees completed by leaf n - 1: those ending at n, leaf first.
        expected = [(level, (n >> level) - 1) for level in range((n & -n).bit_length())]
        assert [(level, index) for level, index, _ in new_nodes] == expected
        assert all(BIG_STORE.get_nodes([(lv, ix)])[lv, ix] == h for lv, ix, h in new_nodes)


def test_frontier_load_then_append_continues_identically() -> None:
    grown = Frontier()
    for n in range(0, 300):
        loaded = Frontier.load(BIG_STORE, n)
        assert loaded.size == grown.size == n
        assert loaded.root() == grown.root()
        copy = Frontier(grown.size, grown.edge)
        for leaf in BIG_LEAVES[n : n + 20]:
            assert loaded.append(leaf) == copy.append(leaf)
            assert loaded.root() == copy.root()
        grown.append(BIG_LEAVES[n])


def test_tree_nodes_from_leaves_is_every_stored_node() -> None:
    nodes = tree_nodes_from_leaves(BIG_LEAVES[:13])

    assert set(nodes) == {(0, i) for i in range(13)} | {(1, i) for i in range(6)} | {
        (2, 0),
        (2, 1),
        (2, 2),
        (3, 0),
    }
    assert all(BIG_STORE.get_nodes([key])[key] == value for key, value in nodes.items())


def test_frontier_refuses_a_bad_state_or_leaf() -> None:
    with pytest.raises(ValueError):
        Frontier(3, [BIG_LEAVES[0]])
    with pytest.raises(ValueError):
        Frontier(1, [b"short"])
    with pytest.raises(ValueError):
        Frontier(-1)
    frontier = Frontier()
    with pytest.raises(ValueError):
        frontier.append(b"short")
    with pytest.raises(ValueError):
        frontier.append("x" * 32)  # type: ignore[arg-type]
    assert frontier.size == 0


# --------------------------------------------------------------------------------------------------
# pymerkle, an independent implementation, configured for RFC 9162 hashing.
#
# pymerkle (7.0.0) counts leaves from one and shapes proofs its own way: an inclusion proof's path
# is [leaf hash] + the RFC 9162 audit path, plus a "rule" of bits saying how to combine them; a
# consistency proof is [first new leaf] + that leaf's audit path in the new tree, plus a "subset"
# mask of the elements that fold into the old root.  The latter is not RFC 9162's PROOF() (e.g.
# 4 -> 7 needs leaves 4, 5 and 6 separately where the RFC sends MTH(D[4:7])), so an RFC
# consistency proof cannot be handed to pymerkle's verifier; what it can check is below.

PM_SIZE = 300
PM_DATA = [f"entry {i}".encode() for i in range(PM_SIZE)]


@pytest.fixture(scope="module")
def pymerkle() -> Any:
    return pytest.importorskip("pymerkle")


@pytest.fixture(scope="module")
def pm_tree(pymerkle: Any) -> Any:
    tree = pymerkle.InmemoryTree(algorithm="sha256")  # security (the 0x00 / 0x01 prefixes) is on by default
    for data in PM_DATA:
        tree.append_entry(data)
    return tree


@pytest.fixture(scope="module")
def pm_store() -> MemoryNodes:
    return MemoryNodes(tree_nodes_from_leaves(leaf_hash(data) for data in PM_DATA))


def test_pymerkle_is_configured_for_rfc_9162_hashing(pm_tree: Any) -> None:
    assert pm_tree.security
    assert pm_tree.algorithm == "sha256"
    assert pm_tree.hash_buff(b"abc") == leaf_hash(b"abc")
    assert pm_tree.hash_pair(b"L" * 32, b"R" * 32) == node_hash(b"L" * 32, b"R" * 32)
    assert pm_tree.hash_empty() == EMPTY_ROOT


def test_roots_equal_pymerkle_roots(pm_tree: Any, pm_store: MemoryNodes) -> None:
    for n in range(0, PM_SIZE + 1):
        assert root(pm_store, n) == pm_tree.get_root(n), n


def test_inclusion_proofs_equal_pymerkle_paths_and_pass_its_verifier(
    pymerkle: Any, pm_tree: Any, pm_store: MemoryNodes
) -> None:
    InvalidProof = pymerkle.InvalidProof
    for n in range(1, PM_SIZE + 1):
        root_hash = root(pm_store, n)
        for i in range(n) if n <= 100 else range(n % 7, n, 7):
            ours = inclusion_proof(pm_store, i, n)
            theirs = pm_tree.prove_inclusion(i + 1, n)
            leaf = leaf_hash(PM_DATA[i])

            assert theirs.path == [leaf, *ours], (i, n)
            wrapped = pymerkle.InclusionProof("sha256", True, n, i + 1, theirs.rule, [leaf, *ours])
            pymerkle.verify_inclusion(leaf, root_hash, wrapped, index=i + 1, size=n, algorithm="sha256")
            if ours:
                tampered = pymerkle.InclusionProof(
                    "sha256", True, n, i + 1, theirs.rule, [leaf, *flip(ours, 0, 5)]
                )
                with pytest.raises(InvalidProof):
                    pymerkle.verify_inclusion(leaf, root_hash, tampered, index=i + 1, size=n)


def test_pymerkle_consistency_proofs_hold_between_our_roots(
    pymerkle: Any, pm_tree: Any, pm_store: MemoryNodes
) -> None:
    """pymerkle's own consistency proofs accept our roots, and are built from our inclusion proofs."""
    for n in range(1, PM_SIZE + 1):
        new_root = root(pm_store, n)
        for m in range(1, n + 1) if n <= 60 else range(1 + n % 5, n + 1, 5):
            theirs = pm_tree.prove_consistency(m, n)
            pymerkle.verify_consistency(root(pm_store, m), new_root, theirs, prior_size=m, later_size=n)
            if m < n:
                assert theirs.path == [leaf_hash(PM_DATA[m]), *inclusion_proof(pm_store, m, n)]
