"""The study contract (docs/contract.md): every config is frozen, documents every field, checks
its values and round-trips through JSON; every result round-trips through result.json."""

import dataclasses
import json

import pytest

from genlab.certify import CertifyConfig, CertifyResult, LMCertifyConfig, LMCertifyResult
from genlab.config import check_fraction, check_int, check_positive, field_docs, from_dict
from genlab.estimate import DisagreementConfig, IntrinsicDimensionConfig, ZooConfig
from genlab.memorization import MemorizationConfig, ResMemConfig
from genlab.phenomena.distillation import DistillationConfig
from genlab.phenomena.double_descent import DoubleDescentConfig
from genlab.phenomena.fact_recall import FactRecallConfig
from genlab.phenomena.features import FeaturesConfig
from genlab.phenomena.grokking import GrokConfig
from genlab.phenomena.next_token import PathStarConfig
from genlab.phenomena.pause_tokens import PauseConfig
from genlab.phenomena.rule_extrapolation import RuleExtrapolationConfig
from genlab.phenomena.uniform_convergence import UniformConvergenceConfig
from genlab.train import TrainConfig

CONFIGS = [CertifyConfig, LMCertifyConfig, DisagreementConfig, ZooConfig, IntrinsicDimensionConfig, MemorizationConfig, GrokConfig, DoubleDescentConfig, FeaturesConfig, PathStarConfig, RuleExtrapolationConfig, ResMemConfig, UniformConvergenceConfig, PauseConfig, DistillationConfig, FactRecallConfig, TrainConfig]


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_config_field_is_documented(cls):
    docs = field_docs(cls)
    missing = [f.name for f in dataclasses.fields(cls) if not docs.get(f.name)]
    assert not missing, f"{cls.__name__} does not document {missing} in its Attributes section"
    assert set(docs) <= {f.name for f in dataclasses.fields(cls)}, "documented fields that do not exist"


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_configs_are_frozen_and_round_trip_through_json(cls):
    config = cls()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(config, dataclasses.fields(cls)[0].name, None)
    back = cls.from_dict(json.loads(json.dumps(config.to_dict())))
    assert back == config and type(back) is cls
    with pytest.raises(ValueError, match="no field.*colour"):
        cls.from_dict({**config.to_dict(), "colour": 1})


def test_nested_configs_and_tuples_come_back_typed():
    config = CertifyConfig(subspace_dims=(300, 600), train=TrainConfig(epochs=2, betas=(0.8, 0.9)))
    back = CertifyConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert isinstance(back.train, TrainConfig) and back.train.betas == (0.8, 0.9) and back.subspace_dims == (300, 600)
    assert LMCertifyConfig.from_dict({"m_documents": None}).m_documents is None


@pytest.mark.parametrize("make, message", [
    (lambda: CertifyConfig(delta=1.5), "delta must lie strictly between 0 and 1"),
    (lambda: LMCertifyConfig(sample_share=0), "sample_share"),
    (lambda: MemorizationConfig(subset=1.0), "subset"),
    (lambda: GrokConfig(steps=0), "steps must be an integer >= 1"),
    (lambda: GrokConfig(width=2.5), "width must be an integer"),
    (lambda: TrainConfig(lr=float("nan")), "lr must be a finite number"),
    (lambda: TrainConfig(batch_size=True), "batch_size must be an integer"),
])
def test_configs_reject_bad_values_with_a_message(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_checks():
    for bad in (0, 1, -0.1, 1.0, True, "0.5", float("nan")):
        with pytest.raises(ValueError):
            check_fraction("x", bad)
    check_fraction("x", 0.05)
    for bad in (0, -3, 2.0, True, None):
        with pytest.raises(ValueError):
            check_int("n", bad)
    check_int("n", 0, minimum=0)
    for bad in (0, -1, float("inf"), float("nan"), False):
        with pytest.raises(ValueError):
            check_positive("v", bad)
    check_positive("v", 0, allow_zero=True)


def test_field_docs_reads_google_style_attributes():
    class Example:
        """Summary.

        Attributes:
            alpha: first line
                continued here.
            beta, gamma: shared
                text.

        Example:
            not: a field
        """

    assert field_docs(Example) == {"alpha": "first line continued here.", "beta": "shared text.", "gamma": "shared text."}


def test_from_dict_fills_nested_dataclasses_without_their_own_from_dict():
    @dataclasses.dataclass(frozen=True)
    class Inner:
        values: tuple[int, ...]

    @dataclasses.dataclass(frozen=True)
    class Outer:
        inner: Inner
        maybe: Inner | None = None

    assert from_dict(Outer, {"inner": {"values": [1, 2]}, "maybe": None}) == Outer(Inner((1, 2)))


def test_classifier_results_read_back_old_field_names(tmp_path):
    fields = {f.name: 0 for f in dataclasses.fields(CertifyResult)}
    old = {k: v for k, v in fields.items() if k != "n_parameters"} | {"num_parameters": 118_282}
    assert CertifyResult.from_dict(old).n_parameters == 118_282


def test_language_results_round_trip():
    result = LMCertifyResult(**{f.name: {} if f.type == "dict" else 1 for f in dataclasses.fields(LMCertifyResult)})
    result.bounds = {"document/loss": {"bound": 4.4, "tails": [[0.5, 0.1]]}}
    back = LMCertifyResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back == result and back.document_bound == 4.4


def test_the_torch_free_names_match_the_implementations():
    from genlab.compress import PROJECTOR_NAMES, PROJECTORS

    assert tuple(PROJECTORS) == PROJECTOR_NAMES
