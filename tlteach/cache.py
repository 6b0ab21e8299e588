"""The course's cache directory, file hashes, atomic writes and cached arrays.

Everything tlteach derives (MNIST-M, converted Keras weights, cached features) lives in
one directory: ``$TLTEACH_CACHE`` if set, else the user cache (``~/.cache/tlteach`` on
Linux). Files are written to a temporary name and renamed into place, so a crash never
leaves a half-written file that a later run would trust.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pooch


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder inside the tlteach cache."""
    root = os.environ.get("TLTEACH_CACHE") or pooch.os_cache("tlteach")
    path = Path(root, *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 hex digest of a file (``pooch.file_hash``)."""
    return pooch.file_hash(os.fspath(path), alg="sha256")


class HashMismatchError(RuntimeError):
    """A file's content differs from the hash the course expects."""


def check_sha256(path: str | os.PathLike, expected: str) -> None:
    """Raise HashMismatchError, naming the file and the fix, if its SHA-256 differs."""
    actual = sha256_file(path)
    if actual != expected:
        raise HashMismatchError(
            f"{path} has SHA-256 {actual}, but {expected} was expected. The file is corrupt "
            "or was replaced; reinstall the package that provides it "
            "(pip install --force-reinstall <package>) or delete it so it is fetched again."
        )


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the real suffixes (".npy", ".weights.h5"): some writers insist on them.
    suffix = "".join(path.suffixes)
    stem = path.name[: len(path.name) - len(suffix)]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{stem}.partial-", suffix=suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        tmp_path.chmod(0o644)  # mkstemp makes 0600 files; cached files are ordinary files
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return path


def fingerprint(header: str, arrays: Iterable[np.ndarray]) -> str:
    """A short hash (24 hex digits) of ``header`` and the bytes of ``arrays``, in order: the
    key of a cached result that depends on weights and data."""
    digest = hashlib.sha256(header.encode())
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:24]


def cached_array(path: str | os.PathLike, compute: Callable[[], np.ndarray],
                 cache: bool = True) -> np.ndarray:
    """The array saved at ``path`` if there is one; else ``compute()``, saved there
    atomically. ``cache=False`` computes and saves nothing. Both frameworks' feature caches
    (``extract_features``) go through it, with a ``fingerprint`` in the file name."""
    path = Path(path)
    if cache and path.exists():
        return np.load(path)
    array = compute()
    if cache:
        atomic_write(path, lambda tmp: np.save(tmp, array))
    return array
