"""Tiles: the stored form of the tree's nodes. Whatever the batch sizes, the tiles hold
exactly the nodes of merkle.tree_nodes_from_leaves, every node once, and a tile's
content only ever grows at its end."""

import hashlib

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dissent.log import merkle, tiles


def leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(str(i).encode()) for i in range(count)]


def append_in_batches(leaf_hashes: list[bytes], batches: list[int]) -> dict[tiles.TileKey, bytes]:
    store: dict[tiles.TileKey, bytes] = {}
    size = 0
    for batch in batches:
        tree = tiles.TileAppender(size, {key: store[key] for key in tiles.partial_tiles(size)})
        tree.extend(leaf_hashes[size : size + batch])
        for level, index, data, stored_before in tree.changed():
            assert stored_before == ((level, index) in store)
            assert data.startswith(store.get((level, index), b""))  # a tile only grows
            store[level, index] = data
        size = tree.size
        assert tree.root() == merkle.root(
            merkle.MemoryNodes(merkle.tree_nodes_from_leaves(leaf_hashes[:size])), size
        )
    return store


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=8))
def test_tiles_hold_every_node_whatever_the_batches(batches: list[int]) -> None:
    leaf_hashes = leaves(sum(batches))

    store = append_in_batches(leaf_hashes, batches)

    nodes = merkle.tree_nodes_from_leaves(leaf_hashes)
    assert tiles.TileNodes(store).get_nodes(list(nodes)) == nodes
    assert len(store) == tiles.tile_count(len(leaf_hashes))
    assert sum(len(data) for data in store.values()) == 32 * len(nodes)  # every node once


def test_a_big_tree_spans_three_tile_levels() -> None:
    leaf_hashes = leaves(5000)

    store = append_in_batches(leaf_hashes, [4095, 1, 904])

    assert {level for level, _ in store} == {0, 1, 2}
    nodes = merkle.tree_nodes_from_leaves(leaf_hashes)
    assert tiles.TileNodes(store).get_nodes(list(nodes)) == nodes
    for index in [0, 63, 64, 4095, 4999]:
        proof = merkle.inclusion_proof(tiles.TileNodes(store), index, 5000)
        assert merkle.verify_inclusion(
            leaf_hashes[index], index, 5000, proof, merkle.root(tiles.TileNodes(store), 5000)
        )


@given(st.integers(min_value=1, max_value=3000))
def test_tiles_built_in_one_pass_equal_the_appended_ones(count: int) -> None:
    leaf_hashes = leaves(count)
    store = append_in_batches(leaf_hashes, [count])

    built = tiles.tiles_from_levels(tiles.build_levels(leaf_hashes, tiles.HEIGHT))

    assert built == [store[0, index] for index in range(len(built))]


def test_a_node_the_tiles_do_not_hold_is_reported() -> None:
    store = append_in_batches(leaves(10), [10])

    assert tiles.node_in(store, 0, 10) is None
    assert tiles.node_in(store, 1, 5) is None
    try:
        tiles.TileNodes(store).get_nodes([(0, 10)])
    except KeyError as missing:
        assert "level=0, index=10" in str(missing)
    else:
        raise AssertionError("a missing node was read")


def test_a_partial_tile_of_the_wrong_length_is_refused() -> None:
    store = append_in_batches(leaves(10), [10])
    lengthened = {(0, 0): store[0, 0] + hashlib.sha256(b"junk").digest()}

    tree = tiles.TileAppender(10, lengthened)
    tree.extend(leaves(1))

    try:
        list(tree.changed())
    except ValueError as refused:
        assert "not 10 base nodes" in str(refused)
    else:
        raise AssertionError("a tile of the wrong length was extended")
