"""Offline synthetic distribution shifts of image batches (N, C, H, W), in the data's own
normalised units: rotation, Gaussian noise, Gaussian blur and lowered contrast, each with a level.

    shifted = apply_shift(x, "rotate:30")   # also noise:0.3, blur:1.5, contrast:0.3
"""

from __future__ import annotations

import math

import torch

SHIFTS = ("rotate", "noise", "blur", "contrast")


def parse_shift(spec: str) -> tuple[str, float]:
    """``"rotate:30"`` -> ("rotate", 30.0), with a clear error for a bad spec."""
    kind, sep, level = spec.partition(":")
    try:
        value = float(level)
    except ValueError:
        value = float("nan")
    if kind not in SHIFTS or not sep or not math.isfinite(value):
        raise ValueError(f"a shift is kind:level with kind one of {', '.join(SHIFTS)}, e.g. rotate:30 or noise:0.3; got {spec!r}")
    if (kind in ("noise", "blur") and value < 0) or (kind == "contrast" and not 0 < value <= 1):
        raise ValueError(f"{kind} needs a level {'in (0, 1]' if kind == 'contrast' else '>= 0'}, got {value}")
    return kind, value


def apply_shift(x: torch.Tensor, spec: str, seed: int = 0) -> torch.Tensor:
    """``x`` (N, C, H, W) shifted by ``spec``: ``rotate:degrees`` (about the centre, the border
    pixels, i.e. the background, filling in), ``noise:std`` (Gaussian, in the data's units, seeded),
    ``blur:sigma`` (Gaussian kernel, pixels) or ``contrast:factor`` (each image pulled towards its
    mean: factor 1 leaves it, 0.3 keeps 30% of its contrast)."""
    kind, level = parse_shift(spec)
    if x.ndim != 4:
        raise ValueError(f"shifts apply to image batches (N, C, H, W), got shape {tuple(x.shape)}")
    x = x.float()
    if kind == "rotate":
        angle = math.radians(level)
        theta = torch.tensor([[math.cos(angle), -math.sin(angle), 0.0], [math.sin(angle), math.cos(angle), 0.0]]).expand(len(x), 2, 3)
        grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
        return torch.nn.functional.grid_sample(x, grid, padding_mode="border", align_corners=False)
    if kind == "noise":
        return x + level * torch.randn(x.shape, generator=torch.Generator().manual_seed(seed))
    if kind == "blur":
        if level == 0:
            return x.clone()
        radius = max(1, math.ceil(3 * level))
        t = torch.arange(-radius, radius + 1, dtype=torch.float32)
        k = torch.exp(-(t**2) / (2 * level**2))
        k = k / k.sum()
        c = x.shape[1]
        padded = torch.nn.functional.pad(x, (radius, radius, radius, radius), mode="replicate")
        out = torch.nn.functional.conv2d(padded, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
        return torch.nn.functional.conv2d(out, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean + level * (x - mean)
