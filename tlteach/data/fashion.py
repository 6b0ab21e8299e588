"""Fashion-MNIST: the Debian package when installed, else a hashed download, else a clear error."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tlteach.data.dataset import FASHION_CLASSES, Dataset, DataUnavailableError

DEBIAN_DIRS = ("/usr/share/datasets/fashion-mnist",)
URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# MD5s published with Fashion-MNIST (the same values torchvision checks).
FILES = {
    "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read a gzip'd IDX file (the MNIST format) of unsigned bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes; delete it and retry.")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {shape}, got {data.size} bytes.")
    return data.reshape(shape)


def _local_files(folders: Sequence[str | Path]) -> dict[str, Path] | None:
    for folder in folders:
        paths = {name: Path(folder, name) for name in FILES}
        if all(p.is_file() for p in paths.values()):
            return paths
    return None


def why_download_failed(error: Exception) -> str:
    """A plain reason for a failed download (offline, server error, corrupt file)."""
    text = f"{type(error).__name__}: {error}"
    if "403" in text or "404" in text or "HTTPError" in text:
        return "the server did not serve the file"
    if "hash" in text.lower() or "md5" in text.lower():
        return "the downloaded file did not match its published checksum"
    return "this machine appears to be offline, or the host is unreachable"


def _download_files() -> dict[str, Path]:
    import pooch

    from tlteach.cache import cache_dir

    paths = {}
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # no "Downloading data from ..." line before a failure
    try:
        for name, known_hash in FILES.items():
            paths[name] = Path(
                pooch.retrieve(URL + name, known_hash, fname=name, path=cache_dir("fashion"))
            )
    except Exception as error:  # network errors differ by platform; the message says what to do
        raise DataUnavailableError(
            f"Fashion-MNIST is not installed and could not be downloaded: "
            f"{why_download_failed(error)}. Get it with `sudo apt-get install "
            f"dataset-fashion-mnist` (Debian/Ubuntu), or online from {URL}."
        ) from None
    finally:
        logger.setLevel(level)
    return paths


def load_fashion(folders: Sequence[str | Path] = DEBIAN_DIRS, download: bool = True) -> Dataset:
    """All 70,000 Fashion-MNIST images (train then test) as ``(X, y, class_names)``."""
    paths = _local_files(folders)
    if paths is None:
        if not download:
            raise DataUnavailableError(
                f"Fashion-MNIST files not found in {list(map(str, folders))}; install the "
                "Debian package dataset-fashion-mnist or allow the download."
            )
        paths = _download_files()
    X = np.concatenate([read_idx(paths["train-images-idx3-ubyte.gz"]),
                        read_idx(paths["t10k-images-idx3-ubyte.gz"])])  # fmt: skip
    y = np.concatenate([read_idx(paths["train-labels-idx1-ubyte.gz"]),
                        read_idx(paths["t10k-labels-idx1-ubyte.gz"])])  # fmt: skip
    return X, y.astype(np.int64), list(FASHION_CLASSES)
