"""Model builders: an MLP and a small CNN, for 2-D images (C, H, W) and 1-D signals (C, L), and
LeNet-5 for 28 x 28 images.

No batch normalisation: its running statistics are computed from data and would have to be
coded into a certificate; GroupNorm (per-example statistics) is used instead when ``norm=True``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from torch import nn

MODEL_NAMES = ("mlp", "cnn", "lenet")
INITS = ("torch", "he")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a built-in classifier.

    Attributes:
        name: ``"mlp"``, ``"cnn"`` or ``"lenet"`` (LeNet-5 as in Li et al. 2018: 5x5 convolutions of
            6 and 16 channels, each followed by ReLU and 2x max-pool, then dense layers of 120 and
            84 units; 44,426 parameters on 28 x 28 MNIST; width and depth unused).
        width: hidden units per layer (MLP) or channels of the first conv block (CNN; doubles per block).
        depth: hidden layers (MLP) or conv blocks, each conv -> ReLU -> 2x max-pool (CNN).
        norm: GroupNorm after each conv (CNN only).
        init: how the weights start: ``"torch"`` (PyTorch's default for each layer: weights
            uniform with variance 1 / (3 fan_in), biases uniform too) or ``"he"`` (He et al. 2015,
            the usual one for ReLU networks: weights normal with variance 2 / fan_in, biases
            zero). The default's networks compute a function close to zero at
            initialisation, and runs from different seeds then end closer together: on Fashion-MNIST
            their disagreement underestimates the test error (docs/estimate.md).
    """

    name: str = "cnn"
    width: int = 16
    depth: int = 2
    norm: bool = False
    init: str = "torch"

    def __post_init__(self) -> None:
        if self.name not in MODEL_NAMES:
            raise ValueError(f"unknown model {self.name!r}; choose one of {', '.join(MODEL_NAMES)}")
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; choose one of {', '.join(INITS)}")
        if self.width < 1 or self.depth < 1:
            raise ValueError(f"width and depth must be >= 1 (got width={self.width}, depth={self.depth})")

    def to_dict(self) -> dict:
        return asdict(self)

    def __repr__(self) -> str:  # sweep manifests name the factory by it: the default init keeps the text it had before init existed
        fields = [f"{k}={v!r}" for k, v in asdict(self).items() if k != "init" or v != "torch"]
        return f"ModelConfig({', '.join(fields)})"


def build_model(config: ModelConfig, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """A freshly initialised classifier for inputs of ``input_shape`` (without the batch dimension)."""
    if config.name == "mlp":
        model = _mlp(config, input_shape, num_classes)
    elif config.name == "lenet":
        model = _lenet(input_shape, num_classes)
    else:
        model = _cnn(config, input_shape, num_classes)
    if config.init == "he":
        he_init(model)
    return model


def he_init(model: nn.Module) -> nn.Module:
    """Re-initialise ``model``'s linear and convolutional layers as He et al. (2015) do for ReLU
    networks: weights normal with variance 2 / fan_in, biases zero (in place; returns it)."""
    for layer in model.modules():
        if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return model


def _lenet(input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    if len(input_shape) != 3 or min(input_shape[1:]) < 16:
        raise ValueError(f"lenet needs (C, H, W) images of at least 16 x 16 pixels, got shape {input_shape}")
    side = [((s - 4) // 2 - 4) // 2 for s in input_shape[1:]]
    return nn.Sequential(nn.Conv2d(input_shape[0], 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(16 * side[0] * side[1], 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes))


def _mlp(config: ModelConfig, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    features = 1
    for s in input_shape:
        features *= s
    layers: list[nn.Module] = [nn.Flatten()]
    for _ in range(config.depth):
        layers += [nn.Linear(features, config.width), nn.ReLU()]
        features = config.width
    layers.append(nn.Linear(features, num_classes))
    return nn.Sequential(*layers)


def _cnn(config: ModelConfig, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    if len(input_shape) not in (2, 3):
        raise ValueError(f"cnn needs (C, L) or (C, H, W) inputs, got shape {input_shape}")
    one_d = len(input_shape) == 2
    conv, pool = (nn.Conv1d, nn.MaxPool1d) if one_d else (nn.Conv2d, nn.MaxPool2d)
    channels, spatial = input_shape[0], list(input_shape[1:])
    layers: list[nn.Module] = []
    width = config.width
    for _ in range(config.depth):
        layers.append(conv(channels, width, kernel_size=3, padding=1))
        if config.norm:
            layers.append(nn.GroupNorm(min(4, width), width))
        layers.append(nn.ReLU())
        if min(spatial) >= 2:
            layers.append(pool(2))
            spatial = [s // 2 for s in spatial]
        channels, width = width, width * 2
    flat = channels
    for s in spatial:
        flat *= s
    layers += [nn.Flatten(), nn.Linear(flat, num_classes)]
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class BuiltinModel:
    """A picklable model factory for the sweep workers: ``BuiltinModel(config, shape, classes)()`` is a
    freshly initialised ``build_model(config, shape, classes)`` (seed torch first)."""

    def __init__(self, config, input_shape: tuple[int, ...], num_classes: int):
        self.config, self.input_shape, self.num_classes = config, tuple(input_shape), num_classes

    def __repr__(self) -> str:
        return f"BuiltinModel({self.config}, input_shape={self.input_shape}, num_classes={self.num_classes})"

    def __call__(self) -> nn.Module:
        return build_model(self.config, self.input_shape, self.num_classes)
