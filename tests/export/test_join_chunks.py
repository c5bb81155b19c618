"""join_rows' defaults: chunks of about CHUNK_BYTES of text (written while still in the processor's cache), the same
bytes whatever the chunking, and tables encoded in one pass whether or not a name or a constant holds a NUL."""

from __future__ import annotations

import numpy as np

from aifabric.export import link_columns
from aifabric.export.link_columns import CHUNK_BYTES, _encoded, join_rows


def test_default_chunks_are_about_chunk_bytes_and_join_to_the_same_text():
    names = [f"su{i:04d}/server{i % 32:03d}" for i in range(5000)]
    index = np.arange(200_000, dtype=np.int64) % len(names)
    pieces = ['<edge source="', (names, index), '" target="', (["a", "bb", "ccc"], index % 3), '"/>\n']
    chunks = list(join_rows(pieces, len(index)))
    expected = "".join(f'<edge source="{names[i]}" target="{["a", "bb", "ccc"][i % 3]}"/>\n'
                       for i in index.tolist()).encode()
    assert b"".join(text for _, text in chunks) == expected
    assert chunks[-1][0] == len(index)
    sizes = [len(text) for _, text in chunks[:-1]]
    assert len(chunks) > 1 and all(CHUNK_BYTES // 2 <= size <= 2 * CHUNK_BYTES for size in sizes)


def test_small_rows_are_capped_at_chunk_rows():
    index = np.zeros(3 * link_columns.CHUNK_ROWS, dtype=np.int64)
    chunks = list(join_rows([(["x"], index)], len(index)))
    assert [done for done, _ in chunks] == [link_columns.CHUNK_ROWS * k for k in (1, 2, 3)]


def test_encoded_tables_with_and_without_nul():
    for table, prefix, suffix in ((["a", "é", ""], "<", ">"), (["a\0b", "c"], "", ""), (["x"], "p\0", ""),
                                  ([], "p", "s"), (["only"], "", "\0")):
        assert _encoded(table, prefix, suffix) == [(prefix + entry + suffix).encode() for entry in table]
