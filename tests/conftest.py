import pytest
import torch

torch.set_num_threads(2)


@pytest.fixture
def tiny_cli_args():
    """A certify run on scikit-learn's digits that finishes in seconds."""
    return ["--dataset", "digits", "--model", "cnn", "--width", "8", "--dims", "60,120", "--levels", "3,5", "--epochs", "8", "--qat-epochs", "4", "--quiet"]
