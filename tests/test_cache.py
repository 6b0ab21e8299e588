import numpy as np
import pytest

from tlteach.cache import HashMismatchError, atomic_write, cache_dir, check_sha256, sha256_file


def test_cache_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TLTEACH_CACHE", str(tmp_path))
    assert cache_dir("a", "b") == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir()


def test_atomic_write_leaves_no_partial_file_on_crash(tmp_path):
    target = tmp_path / "x.npy"

    def crash(tmp):
        np.save(tmp, np.arange(3))
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        atomic_write(target, crash)
    assert list(tmp_path.iterdir()) == []
    atomic_write(target, lambda tmp: np.save(tmp, np.arange(3)))
    assert np.load(target).tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["x.npy"]


def test_check_sha256_names_file_and_fix(tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes(b"weights")
    check_sha256(path, sha256_file(path))
    with pytest.raises(HashMismatchError, match=r"w\.pt.*reinstall"):
        check_sha256(path, "0" * 64)
