"""End-to-end certificates on the real datasets (minutes each): `make test-slow`, kept out of CI."""

import pytest

from genlab.recipes import certify_builtin, recipe, verify
from genlab.store import RunStore

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("dataset,prior,ceiling", [("fashion-mnist", "data-independent", 0.30), ("mnist", "data-dependent", 0.05)])
def test_recipe_gives_a_verifiable_non_vacuous_certificate(tmp_path, dataset, prior, ceiling):
    model, config = recipe(dataset, prior)
    result, run = certify_builtin(dataset, model, config, store=RunStore(tmp_path), progress=False)
    assert result.train_error <= result.error_bound < ceiling
    assert result.test_error < result.error_bound  # a bound below its own test error would be a bug to chase
    assert verify(run.folder).ok
