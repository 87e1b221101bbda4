"""Offline datasets: ``load_dataset(name)`` for ``mnist``, ``fashion-mnist``, ``mnist1d``, ``digits``."""

from genlab.data._datasets import Dataset, DatasetNotFoundError, available_datasets, data_dirs, load_dataset

__all__ = ["Dataset", "DatasetNotFoundError", "available_datasets", "data_dirs", "load_dataset"]
