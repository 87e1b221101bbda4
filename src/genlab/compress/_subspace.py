"""Subspace training: theta = theta_0 + P z with a structured random projection P (Li et al. 2018,
"Measuring the Intrinsic Dimension of Objective Landscapes"; Lotfi et al. 2022).

P is D x d but never stored densely. Two structures, both with unit-norm columns:

- ``kronecker``: A (x) B of two small Gaussian matrices (rows truncated to D). Memory
  O(sqrt(D) * (d1 + d2)) floats, where d = d1 * d2; P z costs two small matrix products.
- ``fastfood``: stacked Fastfood blocks H G Pi H B (Le et al. 2013, "Fastfood: approximating
  kernel expansions in loglinear time"; the projector of Li et al. 2018), which behave much like a
  dense Gaussian matrix. Memory O(D + d); P z costs O(D log d).

P is a pure function of (structure, D, d, seed), so it costs no bits beyond the seed.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.func import functional_call


def _split(d: int) -> tuple[int, int]:
    """d = d1 * d2 with d1 the largest divisor of d not above sqrt(d)."""
    d1 = int(math.isqrt(d))
    while d % d1:
        d1 -= 1
    return d1, d // d1


class KroneckerProjector(nn.Module):
    """The linear map z -> P z, P = (A (x) B)[:D], A: D1 x d1, B: D2 x d2, D1 * D2 >= D.

    Args:
        D: number of model parameters (rows of P).
        d: subspace dimension (columns of P).
        seed: fixes A and B; generated on the CPU so every device gets the same P.
    """

    def __init__(self, D: int, d: int, seed: int = 0):
        super().__init__()
        if d < 1 or D < 1:
            raise ValueError(f"subspace dimension and parameter count must be >= 1 (got d={d}, D={D})")
        self.D, self.d = D, d
        self.d1, self.d2 = _split(d)
        self.D1 = math.isqrt(D - 1) + 1
        self.D2 = -(-D // self.D1)
        g = torch.Generator().manual_seed(seed)
        a = torch.randn(self.D1, self.d1, generator=g)
        b = torch.randn(self.D2, self.d2, generator=g)
        self.register_buffer("a", a / a.norm(dim=0, keepdim=True), persistent=False)
        self.register_buffer("b", b / b.norm(dim=0, keepdim=True), persistent=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # (A (x) B) vec(Z) = vec(A Z B^T) for row-major vec.
        return (self.a @ z.view(self.d1, self.d2) @ self.b.T).reshape(-1)[: self.D]

    def extra_repr(self) -> str:
        return f"D={self.D}, d={self.d} ({self.d1}x{self.d2}), stored floats={self.a.numel() + self.b.numel()}"


def _hadamard(x: torch.Tensor) -> torch.Tensor:
    """Unnormalised fast Walsh-Hadamard transform along the last axis (length a power of 2)."""
    n = x.shape[-1]
    lead = x.shape[:-1]
    h = 1
    while h < n:
        x = x.reshape(*lead, n // (2 * h), 2, h)
        x = torch.stack((x[..., 0, :] + x[..., 1, :], x[..., 0, :] - x[..., 1, :]), dim=-2)
        h *= 2
    return x.reshape(*lead, n)


class FastfoodProjector(nn.Module):
    """The linear map z -> P z with P made of stacked Fastfood blocks H G Pi H B.

    z is zero-padded to n = 2^k >= d; each of ceil(D / n) blocks applies a random sign flip B, a
    Walsh-Hadamard transform H, a random permutation Pi, a Gaussian diagonal G and H again. Every
    column of a block has norm sqrt(n) * |g_block| exactly, so dividing by
    sqrt(n * sum_blocks |g_block|^2) gives P unit-norm columns (before truncation to D rows).

    Args:
        D: number of model parameters (rows of P).
        d: subspace dimension (columns of P).
        seed: fixes B, Pi and G; generated on the CPU so every device gets the same P.
    """

    def __init__(self, D: int, d: int, seed: int = 0):
        super().__init__()
        if d < 1 or D < 1:
            raise ValueError(f"subspace dimension and parameter count must be >= 1 (got d={d}, D={D})")
        self.D, self.d = D, d
        self.n = 1 << max(0, (d - 1).bit_length())
        blocks = -(-D // self.n)
        g = torch.Generator().manual_seed(seed)
        signs = torch.randint(0, 2, (blocks, self.n), generator=g).float() * 2 - 1
        perm = torch.argsort(torch.rand(blocks, self.n, generator=g), dim=1)
        gauss = torch.randn(blocks, self.n, generator=g)
        gauss = gauss / math.sqrt(self.n * float(gauss.square().sum()))
        self.register_buffer("signs", signs, persistent=False)
        self.register_buffer("perm", perm, persistent=False)
        self.register_buffer("gauss", gauss, persistent=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.pad(z, (0, self.n - self.d)) * self.signs
        x = torch.gather(_hadamard(x), 1, self.perm) * self.gauss
        return _hadamard(x).reshape(-1)[: self.D]

    def extra_repr(self) -> str:
        stored = self.signs.numel() + self.perm.numel() + self.gauss.numel()
        return f"D={self.D}, d={self.d} (blocks of {self.n}), stored numbers={stored}"


PROJECTORS = {"kronecker": KroneckerProjector, "fastfood": FastfoodProjector}


def make_projector(kind: str, D: int, d: int, seed: int = 0) -> nn.Module:
    """The projector of structure ``kind`` (one of :data:`PROJECTORS`)."""
    if kind not in PROJECTORS:
        raise ValueError(f"unknown projector {kind!r}; choose one of {', '.join(PROJECTORS)}")
    return PROJECTORS[kind](D, d, seed)


def flatten_parameters(model: nn.Module) -> torch.Tensor:
    """All parameters of ``model`` as one flat float32 vector, in ``named_parameters`` order."""
    return torch.cat([p.detach().reshape(-1).float() for p in model.parameters()])


@torch.no_grad()
def assign_parameters(model: nn.Module, flat: torch.Tensor) -> nn.Module:
    """Copy a flat vector (as made by :func:`flatten_parameters`) into ``model``'s parameters."""
    i = 0
    for p in model.parameters():
        p.copy_(flat[i : i + p.numel()].view_as(p))
        i += p.numel()
    if i != flat.numel():
        raise ValueError(f"flat vector has {flat.numel()} values, the model {i} parameters")
    return model


class IdentityProjector(nn.Module):
    """P = I (d = D): the trained vector is theta - theta_0 itself, e.g. plain LoRA factors."""

    def __init__(self, D: int, d: int, seed: int = 0):
        super().__init__()
        if d != D:
            raise ValueError(f"the identity projector needs d = D (got d={d}, D={D}); use kronecker or fastfood for d < D")
        self.D = self.d = D

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z


PROJECTORS["identity"] = IdentityProjector


class FullParametrization:
    """theta is every parameter of ``base``, flattened in ``named_parameters`` order."""

    def __init__(self, base: nn.Module):
        self.names = [n for n, _ in base.named_parameters()]
        self.shapes = [p.shape for _, p in base.named_parameters()]

    def initial(self, base: nn.Module) -> torch.Tensor:
        return flatten_parameters(base)

    def __call__(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        out, i = {}, 0
        for name, shape in zip(self.names, self.shapes):
            n = shape.numel()
            out[name] = theta[i : i + n].view(shape)
            i += n
        return out


class SubspaceModel(nn.Module):
    """Wraps ``base`` so that its trained parameters are a function of theta_0 + P q(z): only z
    (d numbers, and a quantizer's codebook when one is attached) is trained.

    Args:
        base: the architecture; its current parameters are theta_0 unless ``theta0`` is given.
        d: subspace dimension.
        seed: seed of the projection P.
        theta0: optional flat initial vector (e.g. a data-dependent prior).
        projector: structure of P: ``kronecker``, ``fastfood`` or ``identity`` (d = D).
        parametrization: maps the flat vector theta to the parameters it sets (a dict name ->
            tensor for ``torch.func.functional_call``); all of ``base``'s parameters by default,
            or e.g. :class:`genlab.compress.LoRAParametrization` (SubLoRA).
    """

    def __init__(self, base: nn.Module, d: int, seed: int = 0, theta0: torch.Tensor | None = None, projector: str = "kronecker", parametrization=None):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.parametrization = parametrization if parametrization is not None else FullParametrization(base)
        flat = self.parametrization.initial(base) if theta0 is None else theta0.detach().float().clone()
        self.register_buffer("theta0", flat)
        self.projector = make_projector(projector, flat.numel(), d, seed)
        self.z = nn.Parameter(torch.zeros(d))
        self.quantizer: nn.Module | None = None

    def theta(self) -> torch.Tensor:
        z = self.z if self.quantizer is None else self.quantizer(self.z)
        return self.theta0 + self.projector(z)

    def forward(self, *args, **kwargs):
        return functional_call(self.base, self.parametrization(self.theta()), args, kwargs)

    @torch.no_grad()
    def materialize(self, z: torch.Tensor | None = None) -> nn.Module:
        """The plain ``base`` architecture holding the parameters that theta_0 + P z sets (the given
        z, else the current quantized z), computed on the CPU so that a decoder anywhere rebuilds the
        same weights."""
        import copy

        if z is None:
            z = self.z if self.quantizer is None else self.quantizer(self.z)
        cpu = copy.deepcopy(self).cpu()
        theta = cpu.theta0 + cpu.projector(z.detach().float().cpu())
        for name, value in cpu.parametrization(theta).items():
            cpu.base.get_parameter(name).copy_(value)
        return cpu.base.requires_grad_(False).eval()
