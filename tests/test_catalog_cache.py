"""The pickled copy of the shipped catalog (aifabric/catalog/cache.py) is only a shortcut: it gives the catalog the
YAML gives, a changed file or model code makes a new key, and a bad or unwritable copy falls back to the YAML."""

from __future__ import annotations

import shutil

import pytest

from aifabric.catalog import cache, catalog_files
from aifabric.catalog.models import KINDS, Hardware, _validated_hardware, load_hardware


def _dump(hardware: Hardware) -> dict:
    return {kind: {entry_id: entry.model_dump() for entry_id, entry in getattr(hardware, kind).items()}
            for kind in ("switches", "nics", "servers", "transceivers", "cables", "media", "gpus", "spares")}


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "__pycache__")
    return tmp_path / "__pycache__"


def test_cached_catalog_equals_the_yaml(cache_dir):
    first = load_hardware()  # validates the YAML and stores the copy
    stored = list(cache_dir.glob("catalog-*.pickle"))
    assert len(stored) == 1
    second = load_hardware()  # from the copy
    assert second is not first and second.switches is not first.switches
    assert _dump(second) == _dump(first) == _dump(_validated_hardware(None))
    assert sorted(KINDS) == sorted(_dump(second))


def test_a_changed_catalog_file_or_model_code_changes_the_key(tmp_path):
    files = [catalog_files(kind)[0] for kind in KINDS]
    copies = []
    for path in files:
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        copies.append(copy)
    assert cache.cache_key(copies) == cache.cache_key(files)
    copies[0].write_text(copies[0].read_text() + "\n# edited\n")
    assert cache.cache_key(copies) != cache.cache_key(files)


def test_a_corrupt_copy_falls_back_to_the_yaml_and_is_replaced(cache_dir):
    key = cache.cache_key([catalog_files(kind)[0] for kind in KINDS])
    cache_dir.mkdir()
    (cache_dir / f"catalog-{key}.pickle").write_bytes(b"not a pickle")
    (cache_dir / "catalog-0123.pickle").write_bytes(b"an older copy")
    hardware = load_hardware()
    assert _dump(hardware) == _dump(_validated_hardware(None))
    assert [p.name for p in cache_dir.glob("catalog-*.pickle")] == [f"catalog-{key}.pickle"]
    assert isinstance(cache.load(key), Hardware)


def test_an_unwritable_cache_directory_still_gives_the_catalog(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(cache, "CACHE_DIR", blocker / "__pycache__")  # a directory under a file: never writable
    assert _dump(load_hardware()) == _dump(_validated_hardware(None))
    assert list(tmp_path.iterdir()) == [blocker]


def test_a_user_catalog_is_validated_not_cached(cache_dir, tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    load_hardware(user)
    assert not cache_dir.exists()


def test_a_file_edited_during_validation_is_not_stored_under_its_new_key(cache_dir, monkeypatch):
    # The key is taken before validation; if a file changes meanwhile, the entries validated from the old bytes
    # must not be saved as the copy of the new ones (a later start would load a stale catalog).
    from aifabric.catalog import models

    keys = iter(["key-before", "key-after"])
    monkeypatch.setattr(cache, "cache_key", lambda files: next(keys))
    hardware = models.load_hardware()
    assert _dump(hardware) == _dump(_validated_hardware(None))
    assert not list(cache_dir.glob("catalog-*.pickle"))
