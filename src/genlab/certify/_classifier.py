"""Certified test-error bounds for classifiers by compression (Lotfi et al. 2022, "PAC-Bayes
Compression Bounds So Tight That They Can Explain Generalization").

train in a random subspace -> quantization-aware training onto L levels -> arithmetic coding ->
decode the code file -> rebuild the model -> count its errors -> Occam-kl bound.

Every grid configuration (subspace dimension d, levels L) is tried and the smallest bound kept;
the choice is paid for by the code's hyperparameter field (ceil(log2 K) bits for K
configurations), so the certificate holds for the chosen one (union bound, docs/bounds.md).

Two priors:
- ``data-independent``: theta_0 is the seeded random initialisation; the bound uses all n
  training examples.
- ``data-dependent``: the training set is split by a seeded permutation; theta_0 is trained on the
  first part (``prior_fraction``) and the bound is computed on the rest only, so n shrinks to
  n_bound. theta_0 is part of the prior (it does not depend on the bound's examples) and is stored
  with the certificate; the zero-extra-bits baseline (theta_0 itself, bounded on the same
  examples) is reported beside it. The posterior (theta_0 + P z) is trained on the whole training
  set: the Occam bound holds for every code word at once, so the chosen model may depend on any
  data; only the prior (theta_0, P, the grid) must not depend on the bound's examples.
"""

from __future__ import annotations

import copy
import hashlib
import json
import platform
import time
from dataclasses import dataclass, replace

import torch
from torch import nn

from genlab import bounds
from genlab.certify._config import CertifyConfig
from genlab.config import Result
from genlab.compress import LevelQuantizer, assign_parameters, QuantizedCode, SubspaceModel, decode, empirical_entropy_bits, encode, flatten_parameters
from genlab.models import count_parameters
from genlab.store import write_json
from genlab.train import TrainConfig, error_count, train

BOUND_NAME = "occam-kl"
CODE_FILE = "model.code"


@dataclass
class CertifyResult(Result):
    """A certificate (the fields of result.json). Errors are of the decoded model."""

    dataset: str
    model: str
    prior: str
    n_bound: int
    n_prior: int
    train_errors: int
    train_error: float
    n_test: int
    test_errors: int | None
    test_error: float | None
    bits_total: int
    bits: dict
    delta: float
    bound: str
    error_bound: float
    subspace_dim: int
    levels: int
    grid_size: int
    grid_index: int
    n_parameters: int
    code_file: str
    code_sha256: str
    candidates: list
    baselines: dict
    quantization: dict
    wall_seconds: float
    environment: dict
    config: CertifyConfig
    run_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "CertifyResult":
        data = dict(data)
        if "num_parameters" in data:  # result.json written before the field names were shared by all studies
            data["n_parameters"] = data.pop("num_parameters")
        return super().from_dict(data)

    def __str__(self) -> str:
        test = "n/a" if self.test_error is None else f"{self.test_error:.4f}"
        return (
            f"{self.dataset} / {self.model} ({self.prior} prior): error bound {self.error_bound:.4f} "
            f"[{self.bound}, delta={self.delta}], train error {self.train_error:.4f} on n={self.n_bound}, "
            f"test error {test}, {self.bits_total} bits (d={self.subspace_dim}, L={self.levels})"
        )


def as_tensors(data, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) from a tuple of tensors/arrays or a torch Dataset of (x, y) pairs, validated."""
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = (torch.as_tensor(v) for v in data)
    elif isinstance(data, torch.utils.data.Dataset):
        pairs = [data[i] for i in range(len(data))]
        x = torch.stack([torch.as_tensor(p[0]) for p in pairs])
        y = torch.as_tensor([int(p[1]) for p in pairs])
    else:
        raise TypeError(f"{what} must be a pair (x, y) of tensors or a torch Dataset of (x, y) pairs, got {type(data).__name__}")
    x, y = x.float(), y.long()
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"{what}: x and y must be non-empty and of equal length (got {len(x)} and {len(y)})")
    if not torch.isfinite(x).all():
        raise ValueError(f"{what}: x contains NaN or infinite values; clean or impute them first")
    if y.min() < 0:
        raise ValueError(f"{what}: labels must be non-negative class indices")
    return x, y


def split_prior_bound(n: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded split of range(n) into (prior indices, bound indices) for a data-dependent prior."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_prior = int(round(fraction * n))
    return perm[:n_prior].sort().values, perm[n_prior:].sort().values


def decode_model(payload: bytes, base: nn.Module, theta0: torch.Tensor, config: CertifyConfig) -> tuple[nn.Module, QuantizedCode]:
    """Rebuild the certified model from its code file alone (plus the public grid, theta_0 and seed)."""
    grid = config.grid
    code = decode(payload, len(grid), lambda i: grid[i][:2], config.coder, config.code_format)
    d = grid[code.choice][0]
    z = torch.from_numpy(code.codebook.astype("float32"))[torch.from_numpy(code.indices)]
    subspace = SubspaceModel(copy.deepcopy(base), d, seed=config.seed, theta0=theta0, projector=config.projector)
    return subspace.materialize(z), code


def quantization_aware_training(subspace: SubspaceModel, levels: int, stages: tuple[float, ...], qat: TrainConfig, x, y, *, rate_weight: float = 0.0, device="cpu", run=None, progress=True) -> tuple[torch.Tensor, torch.Tensor]:
    """Snap a trained copy of ``subspace``'s z onto ``levels`` learned levels (straight-through
    QAT), freezing the shares ``stages`` of z at their level one stage after another (incremental
    quantization; ``()`` for all at once); ``rate_weight`` > 0 makes the level assignment
    entropy-constrained (LevelQuantizer). Returns the level indices and the float16 codebook."""
    d = subspace.z.numel()
    model = copy.deepcopy(subspace)
    model.quantizer = LevelQuantizer(model.z.detach(), levels, rate_weight)
    stages = stages or (0.0,)
    for stage, fraction in enumerate(stages):
        model.quantizer.freeze(model.z, fraction)
        config = replace(qat, epochs=qat.epochs / len(stages), seed=qat.seed + stage)
        train(model, x, y, config, device=device, run=run, tag=f"qat d={d} L={levels} frozen {fraction:.0%}", progress=progress)
    return model.quantizer.export(model.z)


def _candidate(subspace: SubspaceModel, choice: int, x, y, x_bound, y_bound, x_test, y_test, base, theta0, config, run, progress):
    """QAT onto grid point ``choice``'s levels (its restart's batch order), encode, decode from the bytes, evaluate, bound."""
    d, levels, restart = config.grid[choice]
    indices, codebook = quantization_aware_training(subspace, levels, config.quantization_stages, replace(config.qat, seed=config.qat.seed + 100 * restart), x, y, rate_weight=config.rate_weight, device=config.device, run=run, progress=progress)
    payload, bits = encode(QuantizedCode(choice, indices.numpy(), codebook.numpy()), len(config.grid), config.coder, config.code_format)
    decoded, code = decode_model(payload, base, theta0, config)
    if not (code.indices == indices.numpy()).all():
        raise RuntimeError("arithmetic decoding did not reproduce the level indices")
    train_errors = error_count(decoded, x_bound, y_bound, config.device)
    test_errors = None if x_test is None else error_count(decoded, x_test, y_test, config.device)
    bits_total = 8 * len(payload)
    assert bits_total == sum(bits.values())
    bound = bounds.occam_bound(train_errors / len(y_bound), len(y_bound), bits_total, config.delta)
    counts = torch.bincount(indices, minlength=levels).tolist()
    info = {
        "grid_index": choice,
        "subspace_dim": d,
        "levels": levels,
        "qat_restart": restart,
        "bits_total": bits_total,
        "bits": bits,
        "entropy_bits": empirical_entropy_bits(indices.numpy()),
        "train_errors": train_errors,
        "train_error": train_errors / len(y_bound),
        "test_errors": test_errors,
        "test_error": None if test_errors is None else test_errors / len(y_test),
        "error_bound": bound,
        "quantization": {"codebook": [float(v) for v in codebook.float()], "counts": counts},
    }
    return info, payload


def _saved_candidates(run) -> dict[int, tuple[dict, bytes]]:
    """Grid points an interrupted run already finished (empty for a new run)."""
    if run is None:
        return {}
    saved = {}
    for path in run.folder.glob("candidate-*.json"):
        choice = int(path.stem.split("-")[1])
        code = run.folder / f"candidate-{choice}.code"
        if code.exists():
            saved[choice] = (json.loads(path.read_text()), code.read_bytes())
    return saved


def certify_classifier(
    model: nn.Module,
    train_data,
    test_data=None,
    config: CertifyConfig | None = None,
    *,
    dataset_name: str = "custom",
    model_name: str | None = None,
    run=None,
    progress: bool = True,
) -> CertifyResult:
    """Certify an upper bound on the test error of ``model``'s architecture trained on ``train_data``.

    ``model`` gives the architecture and (data-independent prior) theta_0: its parameters as passed
    in, which must not have been fitted to ``train_data``. Data are (x, y) tensor pairs or torch
    Datasets. With ``run`` (a store Run), metrics, the code file and theta_0 are written into it.

    Returns:
        CertifyResult; ``error_bound`` holds with probability >= 1 - delta over the draw of the
        training set, for the decoded model whose errors are ``train_errors`` / ``test_errors``.
    """
    config = config or CertifyConfig()
    start = time.time()
    x, y = as_tensors(train_data, "train_data")
    x_test, y_test = as_tensors(test_data, "test_data") if test_data is not None else (None, None)
    base = copy.deepcopy(model).cpu()
    n_parameters = count_parameters(base)

    saved = _saved_candidates(run)
    if config.prior == "data-dependent":
        prior_idx, bound_idx = split_prior_bound(len(y), config.prior_fraction, config.seed)
        prior_model = copy.deepcopy(base)
        if run is not None and (run.folder / "theta0.safetensors").exists():  # resuming: theta_0 is done
            theta0 = run.load_tensors("theta0")["theta0"]
            assign_parameters(prior_model, theta0)
        else:
            train(prior_model, x[prior_idx], y[prior_idx], config.prior_train, device=config.device, run=run, tag="prior theta_0", progress=progress)
            theta0 = flatten_parameters(prior_model.cpu())
        x_fit, y_fit = x[bound_idx], y[bound_idx]
        prior_errors = error_count(prior_model, x_fit, y_fit, config.device)
        prior_test_errors = None if x_test is None else error_count(prior_model, x_test, y_test, config.device)
    else:
        theta0 = flatten_parameters(base)
        x_fit, y_fit = x, y
        prior_idx = torch.empty(0, dtype=torch.long)
    n_bound = len(y_fit)
    if run is not None:
        run.save_tensors("theta0", {"theta0": theta0})

    candidates, payloads = [], []
    for d in config.subspace_dims:
        choices = [i for i, point in enumerate(config.grid) if point[0] == int(d)]
        if any(i not in saved for i in choices):
            subspace = SubspaceModel(copy.deepcopy(base), int(d), seed=config.seed, theta0=theta0, projector=config.projector)
            train(subspace, x, y, config.train, device=config.device, run=run, tag=f"subspace d={d}", progress=progress)
        for choice in choices:
            if choice in saved:
                info, payload = saved[choice]
            else:
                info, payload = _candidate(subspace, choice, x, y, x_fit, y_fit, x_test, y_test, base, theta0, config, run, progress)
                if run is not None:  # a finished grid point survives a crash: --resume skips it
                    run.save_bytes(f"candidate-{choice}.code", payload)
                    write_json(run.folder / f"candidate-{choice}.json", info)
                    run.log_metrics({"tag": "candidate", **{k: v for k, v in info.items() if k != "quantization"}})
            candidates.append(info)
            payloads.append(payload)

    best = min(range(len(candidates)), key=lambda i: candidates[i]["error_bound"])
    chosen, payload = candidates[best], payloads[best]
    if run is not None:
        run.save_bytes(CODE_FILE, payload)

    classes = int(max(y.max(), y_test.max() if y_test is not None else 0)) + 1
    baselines = {
        "random_guess_error": 1 - 1 / classes,
        "smallest_grid_point": {k: candidates[0].get(k) for k in ("subspace_dim", "levels", "qat_restart", "bits_total", "train_error", "test_error", "error_bound")},
    }
    if config.prior == "data-dependent":
        baselines["prior_only"] = {
            "description": "theta_0 itself, bounded on the same n_bound examples with zero extra bits",
            "train_errors": prior_errors,
            "train_error": prior_errors / n_bound,
            "test_error": None if prior_test_errors is None else prior_test_errors / len(y_test),
            "bits_total": 0,
            "error_bound": bounds.occam_bound(prior_errors / n_bound, n_bound, 0, config.delta),
        }

    return CertifyResult(
        dataset=dataset_name,
        model=model_name or type(model).__name__,
        prior=config.prior,
        n_bound=n_bound,
        n_prior=len(prior_idx),
        train_errors=chosen["train_errors"],
        train_error=chosen["train_error"],
        n_test=0 if y_test is None else len(y_test),
        test_errors=chosen["test_errors"],
        test_error=chosen["test_error"],
        bits_total=chosen["bits_total"],
        bits=chosen["bits"],
        delta=config.delta,
        bound=BOUND_NAME,
        error_bound=chosen["error_bound"],
        subspace_dim=chosen["subspace_dim"],
        levels=chosen["levels"],
        grid_size=len(config.grid),
        grid_index=chosen["grid_index"],
        n_parameters=n_parameters,
        code_file=CODE_FILE,
        code_sha256=hashlib.sha256(payload).hexdigest(),
        candidates=candidates,
        baselines=baselines,
        quantization=chosen["quantization"],
        wall_seconds=time.time() - start,
        environment={"torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine(), "device": config.device, "threads": torch.get_num_threads()},
        config=config,
        run_id=None if run is None else run.id,
    )
