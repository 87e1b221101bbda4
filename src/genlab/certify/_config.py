"""The certificates' configurations (everything that fixes a certificate, chosen before the data
is seen), importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.compress import PROJECTOR_NAMES, check_coder
from genlab.config import Config, check_choice, check_fraction, check_int
from genlab.train import TrainConfig

PRIORS = ("data-independent", "data-dependent")
METHODS = ("sublora", "lora", "subspace")
DOCUMENT_BOUNDS = ("split-kl", "bernstein", "hoeffding")


def _check_rate_weight(value) -> None:
    if not (isinstance(value, (int, float)) and value >= 0):
        raise ValueError(f"rate_weight must be a number >= 0 (0: nearest-level quantization), got {value}")


@dataclass(frozen=True)
class CertifyConfig(Config):
    """Everything that fixes a certificate, chosen before the data is seen.

    Attributes:
        subspace_dims: grid of subspace dimensions d.
        levels: grid of quantization level counts L.
        quantization_stages: incremental quantization: the shares of z frozen at their level
            before each of the QAT stages (the QAT epochs are split evenly); ``()`` for plain
            straight-through QAT of all coordinates at once.
        rate_weight: entropy-constrained quantization: each coordinate of z goes to the level
            minimising squared distance / var(z) + rate_weight x (-log2 of the level's share),
            which trades distortion for a shorter code; 0 for the nearest level.
        delta: the bound holds with probability >= 1 - delta.
        prior: ``data-independent`` or ``data-dependent``.
        prior_fraction: share of the training set that trains theta_0 (data-dependent prior).
        train: subspace training (Adam on z).
        qat: quantization-aware training (z and the codebook).
        qat_restarts: QAT runs per (d, L), each with its own batch order (QAT seed + 100 x
            restart), the best kept; each run is a grid point paid in bits like d and L (the
            union over choices, docs/bounds.md).
        prior_train: full-parameter training of theta_0 (data-dependent prior only).
        seed: seeds theta_0's initialisation, the projection and the prior/bound split.
        projector: structure of the random projection P, ``kronecker`` or ``fastfood``
            (genlab.compress.PROJECTORS).
        coder: the range coder's model of the level indices (genlab.compress.CODERS):
            ``multinomial`` (the counts not yet used up; log2(d! / prod c_k!) bits) or
            ``categorical`` (one distribution for all; about d x entropy bits; certificates
            written before this option read back as it).
        code_format: layout of the code file (genlab.compress.CODE_FORMATS): 2 writes the number
            of range-coder words as its offset from the ideal length the decoder computes, 1 as
            an Elias gamma code (certificates written before format 2 read back as 1).
        device: ``cpu``, ``cuda``, ... (decoding always happens on the CPU).
    """

    subspace_dims: tuple[int, ...] = (1000,)
    levels: tuple[int, ...] = (5, 7)
    quantization_stages: tuple[float, ...] = (0.5, 0.75, 0.9, 1.0)
    rate_weight: float = 0.0
    delta: float = 0.05
    prior: str = "data-independent"
    prior_fraction: float = 0.5
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=4, lr=0.1, batch_size=256))
    qat: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=1, lr=0.01, batch_size=256))
    qat_restarts: int = 1
    prior_train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=4, lr=2e-3, batch_size=128))
    seed: int = 0
    projector: str = "kronecker"
    coder: str = "multinomial"
    code_format: int = 2
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_choice("projector", self.projector, PROJECTOR_NAMES)
        check_fraction("delta", self.delta, example=0.05)
        check_coder(self.coder, self.code_format)
        check_choice("prior", self.prior, PRIORS)
        check_fraction("prior_fraction", self.prior_fraction, example=0.5)
        if not self.subspace_dims or any(int(d) < 1 for d in self.subspace_dims):
            raise ValueError(f"subspace_dims must be positive integers, got {self.subspace_dims}")
        if not self.levels or any(int(L) < 2 for L in self.levels):
            raise ValueError(f"levels must be integers >= 2, got {self.levels}")
        _check_rate_weight(self.rate_weight)
        if any(not 0 < f <= 1 for f in self.quantization_stages) or list(self.quantization_stages) != sorted(self.quantization_stages):
            raise ValueError(f"quantization_stages must be increasing shares in (0, 1], got {self.quantization_stages}")
        check_int("qat_restarts", self.qat_restarts)
        if len(set(self.subspace_dims)) != len(self.subspace_dims) or len(set(self.levels)) != len(self.levels):
            raise ValueError("subspace_dims and levels must not repeat values (each grid point is paid for)")

    @property
    def grid(self) -> list[tuple[int, int, int]]:
        """The K = len(subspace_dims) * len(levels) * qat_restarts configurations (d, L, QAT
        restart), in code-index order; the code names one with ceil(log2 K) bits."""
        return [(int(d), int(L), r) for d in self.subspace_dims for L in self.levels for r in range(self.qat_restarts)]

    @classmethod
    def from_dict(cls, data: dict) -> "CertifyConfig":
        data = dict(data)
        data.setdefault("coder", "categorical")  # certificates written before the coder was a choice used this one
        data.setdefault("code_format", 1)  # and those written before format 2, format 1
        return super().from_dict(data)


@dataclass(frozen=True)
class LMCertifyConfig(Config):
    """Everything that fixes a language-model certificate, chosen before the data is seen.

    Attributes:
        method: ``sublora`` (LoRA factors in a random subspace), ``lora`` (LoRA factors trained and
            coded directly) or ``subspace`` (all parameters in a random subspace).
        subspace_dim: d for ``sublora`` and ``subspace`` (ignored by ``lora``).
        lora_rank: rank of every LoRA update.
        levels: quantization levels L.
        rate_weight: entropy-constrained quantization (see CertifyConfig; 0: nearest level).
        quantization_stages: incremental QAT stages (see CertifyConfig).
        alphas: grid of prediction-smoothing weights alpha, paid in bits.
        delta: all eight statements hold together with probability >= 1 - delta.
        sample_share: share of each statement's delta spent on its subsampling step.
        context: tokens per training window and per scoring chunk (a document longer than this
            is scored in consecutive chunks, each starting afresh: part of the hypothesis).
        m_documents: training documents sampled for the document-level empirical risk (None:
            every document, no sampling step).
        m_tokens: training token positions sampled for the token-level empirical risk (None:
            every token, no sampling step).
        m_test: test documents scored for the reported test loss (not part of any bound).
        projector: structure of P (``fastfood`` or ``kronecker``).
        coder: the range coder's model of the level indices, ``multinomial`` or ``categorical``
            (genlab.compress.CODERS; see CertifyConfig).
        code_format: layout of the code file (genlab.compress.CODE_FORMATS): 2 writes the number
            of range-coder words as its offset from the ideal length the decoder computes, 1 as
            an Elias gamma code (certificates written before format 2 read back as 1).
        document_bound: the document loss statements' form: ``split-kl`` (Occam-kl on the
            fractions of documents above each of ``splits`` thresholds: tight when the documents'
            losses fill a small part of their range), ``bernstein`` (empirical Bernstein, every
            document scored: m_documents must be None) or ``hoeffding`` (range x sqrt(...)).
            Fixed before the data, like alphas (certificates written before it read back as
            ``hoeffding``).
        splits: K, the thresholds of ``split-kl`` (the union over them costs ln K nats).
        baseline_probe: the training documents the baselines' grid points are chosen on
            (genlab.certify._ngram.probe_documents): ``spread`` evenly over all of them, or
            ``first`` (certificates written before the spread probe read back as it; for the
            built-in corpus those are King James verses only, which under-tuned the baselines).
        prior: ``data-independent`` (the model's weights as given are theta_0: a seeded
            initialisation, or a model pretrained on other text) or ``data-dependent``: the
            training documents are split by a permutation seeded by ``seed``; theta_0 is the model
            trained on the first part (``prior_fraction``, all parameters, ``prior_train``) and
            every statement is bounded on the rest only (n shrinks, theta_0 is free), while the
            baselines get the first part as their prior text (an n-gram of it, free too) and
            theta_0 itself is a baseline at zero bits.
        prior_fraction: share of the training documents that trains theta_0 (data-dependent prior).
        prior_train: full-parameter training of theta_0 (data-dependent prior only).
        train, qat: training of z, then quantization-aware training.
        seed: seeds theta_0's LoRA factors and P (never the subsample: that is drawn from fresh
            randomness after the code file is written, and recorded).
        device: ``cpu``, ``cuda``, ... (decoding always happens on the CPU).
    """

    method: str = "sublora"
    subspace_dim: int = 3000
    lora_rank: int = 4
    levels: int = 9
    rate_weight: float = 0.0
    quantization_stages: tuple[float, ...] = (0.5, 0.8, 0.95, 1.0)
    alphas: tuple[float, ...] = (0.01, 0.05, 0.1, 0.25)
    delta: float = 0.05
    sample_share: float = 0.5
    context: int = 128
    m_documents: int | None = 10_000
    m_tokens: int | None = 50_000
    m_test: int = 2_000
    projector: str = "fastfood"
    coder: str = "multinomial"
    code_format: int = 2
    document_bound: str = "split-kl"
    splits: int = 1024
    baseline_probe: str = "spread"
    prior: str = "data-independent"
    prior_fraction: float = 0.5
    prior_train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=1.0, lr=3e-3, batch_size=32, optimizer="adamw", weight_decay=0.01, schedule="onecycle"))
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=0.1, lr=0.01, batch_size=32, schedule="onecycle"))
    qat: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=0.02, lr=0.003, batch_size=32))
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_choice("method", self.method, METHODS)
        check_choice("baseline_probe", self.baseline_probe, ("spread", "first"))
        check_choice("prior", self.prior, PRIORS)
        check_fraction("prior_fraction", self.prior_fraction, example=0.5)
        check_fraction("delta", self.delta, example=0.05)
        check_fraction("sample_share", self.sample_share, example=0.5)
        check_coder(self.coder, self.code_format)
        if not self.alphas or any(not 0 < a < 1 for a in self.alphas):
            raise ValueError(f"alphas must lie strictly between 0 and 1, got {self.alphas}")
        if self.levels < 2 or self.subspace_dim < 1 or self.lora_rank < 1 or self.context < 2:
            raise ValueError("levels >= 2, subspace_dim >= 1, lora_rank >= 1 and context >= 2 are required")
        _check_rate_weight(self.rate_weight)
        if min(self.m_documents or 1, self.m_tokens or 1, self.m_test) < 1:
            raise ValueError("m_documents and m_tokens (None: all) and m_test must be >= 1")
        check_int("splits", self.splits)
        check_choice("document_bound", self.document_bound, DOCUMENT_BOUNDS)

    @classmethod
    def from_dict(cls, data: dict) -> "LMCertifyConfig":
        data = dict(data)
        data.setdefault("coder", "categorical")  # certificates written before the coder was a choice used this one
        data.setdefault("code_format", 1)  # and those written before format 2, format 1
        data.setdefault("document_bound", "hoeffding")  # and those written before the forms, Hoeffding
        data.setdefault("baseline_probe", "first")  # and those written before the spread probe, the first documents
        return super().from_dict(data)
