"""Sharpness-aware minimization: rho = 0 is the base optimizer bit for bit; one step on a quadratic
matches the closed form, through SAM directly and through the shared training loop."""

import copy

import pytest
import torch
from torch import nn

from genlab.train import SAM, TrainConfig, train


def _loss(model, x, y):
    return nn.functional.cross_entropy(model(x), y)


def test_rho_zero_is_the_base_optimizer_bitwise():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    twin = copy.deepcopy(model)
    x, y = torch.randn(32, 5), torch.randint(0, 3, (32,))
    sam = SAM(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), rho=0.0)
    base = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        sam.zero_grad()
        _loss(model, x, y).backward()
        sam.step(lambda: _loss(model, x, y).backward())
        base.zero_grad()
        _loss(twin, x, y).backward()
        base.step()
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), twin.parameters()))


class Quadratic(nn.Module):
    """L(theta) = 0.5 sum_r (x_r . theta)^2 = 0.5 theta^T A theta with A = X^T X."""

    def __init__(self, theta):
        super().__init__()
        self.theta = nn.Parameter(theta.clone())

    def forward(self, x):
        return (x @ self.theta)[:, None]


def _quadratic_loss(out, _y):
    return 0.5 * (out**2).sum()


@pytest.mark.parametrize("adaptive", [False, True])
def test_one_step_on_a_quadratic_matches_the_closed_form(adaptive):
    torch.manual_seed(1)
    x, theta0 = torch.randn(6, 4, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    a = x.T @ x
    rho, lr = 0.3, 0.05
    g = a @ theta0
    eps = rho * theta0.abs() ** 2 * g / (theta0.abs() * g).norm() if adaptive else rho * g / g.norm()
    expected = theta0 - lr * (a @ (theta0 + eps))
    model = Quadratic(theta0)
    sam = SAM(torch.optim.SGD(model.parameters(), lr=lr), rho=rho, adaptive=adaptive)
    sam.zero_grad()
    _quadratic_loss(model(x), None).backward()
    sam.step(lambda: _quadratic_loss(model(x), None).backward())
    assert torch.allclose(model.theta.detach(), expected, atol=1e-12)
    # the shared loop with sam_rho: SGD there has Nesterov momentum 0.9, so its first step is 1.9 x the gradient
    looped = Quadratic(theta0)
    train(looped, x, torch.zeros(6, dtype=torch.long), TrainConfig(epochs=1, batch_size=6, lr=lr, optimizer="sgd", schedule="constant", sam_rho=rho, sam_adaptive=adaptive),
          loss_fn=_quadratic_loss, progress=False)
    assert torch.allclose(looped.theta.detach(), theta0 - 1.9 * lr * (a @ (theta0 + eps)), atol=1e-12)


def test_last_layer_only_perturbs_the_last_layer():
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    first, last = model[0].weight.detach().clone(), model[2].weight.detach().clone()
    seen = {}

    def closure():
        seen["first"], seen["last"] = model[0].weight.detach().clone(), model[2].weight.detach().clone()
        return _loss(model, x, y).backward()

    sam = SAM(torch.optim.SGD(model.parameters(), lr=0.0), rho=0.5, params=model[2].parameters())
    sam.zero_grad()
    _loss(model, x, y).backward()
    sam.step(closure)
    assert torch.equal(seen["first"], first) and not torch.equal(seen["last"], last)
    assert torch.equal(model[2].weight.detach(), last)  # back at theta (lr 0: no step)
    with pytest.raises(ValueError, match="rho"):
        SAM(torch.optim.SGD(model.parameters(), lr=0.1), rho=-1)
