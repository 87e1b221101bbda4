"""Train on the hyperspheres for each m; test error, error on S', distance from initialisation and
the norm-based bound terms."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.phenomena.uniform_convergence._config import UniformConvergenceConfig
from genlab.train import outputs, progress_bar, train, training_steps


class HypersphereNet(nn.Module):
    """x -> f(x) = w2 . relu(W1 x + b1) + b2, returned as the two logits (-f/2, f/2): cross-entropy
    on them is the logistic loss of f, and logit 1 minus logit 0 is f, so the margin of (x, y) is
    f(x) (2y - 1)."""

    def __init__(self, dim: int, width: int):
        super().__init__()
        self.hidden = nn.Linear(dim, width)
        self.out = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.out(torch.relu(self.hidden(x)))
        return torch.cat([-f / 2, f / 2], dim=1)


def hypersphere_data(m: int, dim: int, radii: tuple[float, float], generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``m`` points: a label y uniform in {0, 1}, then a direction uniform on the unit sphere, scaled
    to radius ``radii[y]``."""
    y = torch.randint(0, 2, (m,), generator=generator)
    u = torch.randn(m, dim, generator=generator)
    u = u / u.norm(dim=1, keepdim=True)
    return u * torch.tensor(radii)[y][:, None], y


def project_to_other_sphere(x: torch.Tensor, y: torch.Tensor, radii: tuple[float, float]) -> tuple[torch.Tensor, torch.Tensor]:
    """S': each point moved radially onto the other sphere, with that sphere's label (1 - y)."""
    r = torch.tensor(radii, dtype=x.dtype)
    return x * (r[1 - y] / r[y])[:, None], 1 - y


def margins(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device="cpu", batch_size: int = 8192) -> torch.Tensor:
    """Logit of the true class minus the other's, per point (negative: misclassified)."""
    out = outputs(model, x, device, batch_size)
    return out.gather(1, y[:, None]).squeeze(1) - out.gather(1, (1 - y)[:, None]).squeeze(1)


def _weights(model: nn.Module) -> list[torch.Tensor]:
    """The weight matrices in order (biases left out, as in the official code)."""
    return [p.detach().double().cpu() for name, p in model.named_parameters() if name.endswith("weight")]


def bound_terms(model: nn.Module, init: nn.Module, x: torch.Tensor, margin: float) -> dict:
    """The numerators of the norm-based bounds Nagarajan & Kolter evaluate (their experiments.py),
    each also divided by margin x sqrt(m). Constants and log factors are left out, as in their plots:
    these are the growing parts of the bounds, not certificates. W_k: the weight matrices (biases
    left out), W_k^0 at initialisation, s_k = ||W_k||_2, B = max_i ||x_i||, D layers, h the width.

    - ``pac_bayes_origin``: B D sqrt(h) prod_k s_k sqrt(sum_k ||W_k||_F^2 / s_k^2) (Neyshabur et al. 2018);
    - ``pac_bayes_init``: the same with ||W_k - W_k^0||_F;
    - ``covering_init``: B prod_k s_k (sum_k (||W_k - W_k^0||_{2,1} / s_k)^(2/3))^(3/2) (Bartlett et al. 2017),
      ||.||_{2,1} the sum of the column norms;
    - ``unilayer``: B ||W_2||_F (||W_1^0||_2 + ||W_1 - W_1^0||_F) (Neyshabur et al. 2019, without sqrt h);
    - ``distance_from_init``: sqrt(sum_k ||W_k - W_k^0||_F^2); ``spectral_product`` prod_k s_k.
    """
    w, w0 = _weights(model), _weights(init)
    spectral = [float(torch.linalg.matrix_norm(a, ord=2)) for a in w]
    diff = [a - b for a, b in zip(w, w0)]
    big_b = float(x.double().norm(dim=1).max())
    depth, width = len(w), max(a.shape[0] for a in w[:-1])  # h: the widest hidden layer
    prod = math.prod(spectral)
    terms = {
        "pac_bayes_origin": big_b * depth * math.sqrt(width) * prod * math.sqrt(sum(float(a.norm()) ** 2 / s**2 for a, s in zip(w, spectral))),
        "pac_bayes_init": big_b * depth * math.sqrt(width) * prod * math.sqrt(sum(float(d.norm()) ** 2 / s**2 for d, s in zip(diff, spectral))),
        "covering_init": big_b * prod * sum((float(d.norm(dim=0).sum()) / s) ** (2 / 3) for d, s in zip(diff, spectral)) ** 1.5,
        "unilayer": big_b * float(w[-1].norm()) * (float(torch.linalg.matrix_norm(w0[0], ord=2)) + float(diff[0].norm())),
    }
    scale = margin * math.sqrt(len(x))
    return {**terms, **{f"{k}/bound": v / scale for k, v in terms.items()},
            "distance_from_init": math.sqrt(sum(float(d.norm()) ** 2 for d in diff)), "spectral_product": prod}


@dataclass
class UniformConvergenceResult(Result):
    """Per training-set size m (the fields of result.json).

    Attributes:
        rows: per m: ``m``, ``epochs``, ``train_error``, ``train_margin_error`` (share below the
            margin), ``test_error``, ``s_prime_error`` (error on S'), and :func:`bound_terms`.
        slopes: the least-squares slope of log(value) against log(m) for the test error and each
            bound term (the paper: the gap falls like m^-0.43 on MNIST while the bounds grow).
        config: the study's configuration.
        wall_seconds: time the study took.
    """

    rows: list
    slopes: dict
    config: UniformConvergenceConfig
    wall_seconds: float


def _slope(m: list, values: list) -> float | None:
    v = np.asarray(values, dtype=float)
    if len(v) < 2 or np.any(v <= 0):
        return None
    return float(np.polyfit(np.log(m), np.log(v), 1)[0])


def run(config: UniformConvergenceConfig | None = None, *, model_fn=None, run=None, progress: bool = True) -> UniformConvergenceResult:
    """Train one network per ``config.sizes`` (all from the same initialisation) and measure it.

    Args:
        config: :class:`UniformConvergenceConfig`.
        model_fn: ``() -> nn.Module`` mapping (batch, dim) inputs to (batch, 2) logits, instead of
            :class:`HypersphereNet` (seeded once: every m starts from the same copy).
        run: a store Run: each size's row goes to its metrics.jsonl as it is measured.
        progress: show a progress bar.
    """
    config = config or UniformConvergenceConfig()
    start = time.time()
    g = torch.Generator().manual_seed(config.seed)
    xt, yt = hypersphere_data(config.test_size, config.dim, config.radii, g)
    torch.manual_seed(config.seed)
    initial = model_fn() if model_fn else HypersphereNet(config.dim, config.width)
    rows = []
    with progress_bar("hyperspheres", enabled=progress) as bar:
        task = bar.add_task("hyperspheres", total=len(config.sizes))
        for m in config.sizes:
            x, y = hypersphere_data(m, config.dim, config.radii, torch.Generator().manual_seed(config.seed * 1_000_003 + m))
            model = copy.deepcopy(initial)
            steps_per_epoch, _ = training_steps(m, config.train)
            state = {"done": False, "epochs": 0}

            def after_step(step: int, net: nn.Module) -> None:
                if step % steps_per_epoch == 0:
                    state["epochs"] = step // steps_per_epoch
                    state["done"] = float((margins(net, x, y, config.device) < config.margin).float().mean()) <= config.threshold

            train(model, x, y, replace(config.train, seed=config.seed * 1_000_003 + m), device=config.device, progress=False, after_step=after_step,
                  stop=lambda record: state["done"])
            model.cpu()
            xs, ys = project_to_other_sphere(x, y, config.radii)
            mg = margins(model, x, y)
            row = {"m": m, "epochs": state["epochs"], "converged": state["done"], "train_error": float((mg <= 0).float().mean()),
                   "train_margin_error": float((mg < config.margin).float().mean()), "test_error": float((margins(model, xt, yt) <= 0).float().mean()),
                   "s_prime_error": float((margins(model, xs, ys) <= 0).float().mean()), **bound_terms(model, initial, x, config.margin)}
            rows.append(row)
            if run is not None:
                run.log_metrics(row)
            bar.advance(task)
    sizes = [r["m"] for r in rows]
    slopes = {k: _slope(sizes, [r[k] for r in rows]) for k in ("test_error", "distance_from_init", "pac_bayes_init/bound", "covering_init/bound", "unilayer/bound", "pac_bayes_origin/bound")}
    return UniformConvergenceResult(rows=rows, slopes=slopes, config=config, wall_seconds=round(time.time() - start, 1))
