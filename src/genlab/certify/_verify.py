"""``verify``: re-derive a stored certificate from its own files and the inputs it was made on."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

from genlab import bounds
from genlab.certify._classifier import CODE_FILE, as_tensors, decode_model, split_prior_bound
from genlab.certify._config import CertifyConfig
from genlab.compress import flatten_parameters
from genlab.train import error_count


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class VerifyReport:
    folder: str
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def verify(folder: str | Path, *, model: nn.Module | None = None, train_data=None, test_data=None, train_documents=None, tokenizer=None, prior_documents=None,
           progress: bool = True) -> VerifyReport:
    """Re-derive a certificate from its run folder and the inputs it was made on; the kind of
    certificate decides which are needed.

    - A classifier certificate: ``model`` (the architecture; its parameters are replaced by
      theta_0 and the decoded ones), ``train_data`` = (x, y) and, for the test error,
      ``test_data``. Checks the code file's size and hash, the decoded model (from the code bits
      alone plus theta_0, the public grid and seed), its error counts, and the bound recomputed
      from the recorded fields.
    - A language-model certificate (a folder with ``tokenizer.json``): the base ``model`` as it
      was before certification, ``train_documents`` and ``tokenizer`` (and ``prior_documents``
      when the base was pretrained on them; see :func:`verify_language_model`).

    A run made by a built-in recipe needs none of them: ``genlab.verify(folder)`` (the recipes
    layer) rebuilds them from the run's config."""
    folder = Path(folder)
    if (folder / "tokenizer.json").is_file():
        from genlab.certify._verify_language import verify_language_model

        return verify_language_model(folder, model=model, train_documents=train_documents, tokenizer=tokenizer, prior_documents=prior_documents, progress=progress)
    return verify_classifier(folder, model=model, train_data=train_data, test_data=test_data)


def verify_classifier(folder: str | Path, *, model: nn.Module | None, train_data, test_data=None) -> VerifyReport:
    """Re-derive a classifier certificate (see :func:`verify`)."""
    folder = Path(folder)
    checks: list[Check] = []

    def check(name: str, ok: bool, detail: str) -> bool:
        checks.append(Check(name, bool(ok), detail))
        return bool(ok)

    missing = [f for f in ("config.json", "result.json", CODE_FILE, "theta0.safetensors") if not (folder / f).is_file()]
    if not check("files present", not missing, "config.json, result.json, model.code, theta0.safetensors" if not missing else f"missing: {', '.join(missing)}"):
        return VerifyReport(str(folder), checks)
    result = json.loads((folder / "result.json").read_text())
    config = CertifyConfig.from_dict(result["config"])
    payload = (folder / CODE_FILE).read_bytes()

    check("bit count = code file size", result["bits_total"] == 8 * len(payload), f"result says {result['bits_total']} bits; {CODE_FILE} holds {len(payload)} bytes = {8 * len(payload)} bits")
    check("bits by part add up", sum(result["bits"].values()) == result["bits_total"], f"parts {result['bits']} sum to {sum(result['bits'].values())}")
    check("code file hash", hashlib.sha256(payload).hexdigest() == result["code_sha256"], f"sha256 {hashlib.sha256(payload).hexdigest()[:16]}...")

    if model is None or train_data is None:
        raise ValueError(f"verifying {folder} needs the architecture and the data it was certified on: "
                         "genlab.verify(folder, model=<the architecture>, train_data=(x, y), test_data=(x_test, y_test))")
    x, y = as_tensors(train_data, "train_data")
    x_test, y_test = as_tensors(test_data, "test_data") if test_data is not None else (None, None)
    theta0 = load_file(str(folder / "theta0.safetensors"))["theta0"]
    if config.prior == "data-independent":
        seeded = flatten_parameters(model)
        check("theta_0 is the seeded initialisation", torch.equal(seeded, theta0), f"seed {config.seed}, {theta0.numel()} parameters")
    else:
        check("theta_0 (data-dependent prior)", theta0.numel() == sum(p.numel() for p in model.parameters()), f"stored theta_0 used as the prior ({theta0.numel()} parameters, trained on {result['n_prior']} held-out examples)")

    if config.prior == "data-dependent":
        _, bound_idx = split_prior_bound(len(y), config.prior_fraction, config.seed)
        x, y = x[bound_idx], y[bound_idx]
    check("n_bound", len(y) == result["n_bound"], f"{len(y)} bound examples (result says {result['n_bound']})")

    try:
        decoded, code = decode_model(payload, copy.deepcopy(model).cpu(), theta0, config)
    except ValueError as e:
        check("decode", False, str(e))
        return VerifyReport(str(folder), checks)
    d, levels, _ = config.grid[code.choice]
    check("decode", code.choice == result["grid_index"] and d == result["subspace_dim"] and levels == result["levels"], f"grid point {code.choice}: d={d}, L={levels}")

    train_errors = error_count(decoded, x, y)
    check("train errors of the decoded model", train_errors == result["train_errors"], f"{train_errors} errors on {len(y)} examples (result says {result['train_errors']})")
    if x_test is not None and result.get("test_errors") is not None:
        test_errors = error_count(decoded, x_test, y_test)
        check("test errors of the decoded model", test_errors == result["test_errors"], f"{test_errors} errors on {len(y_test)} examples (result says {result['test_errors']})")

    recomputed = bounds.occam_bound(result["train_errors"] / result["n_bound"], result["n_bound"], result["bits_total"], result["delta"])
    check("bound from the recorded fields", math.isclose(recomputed, result["error_bound"], abs_tol=1e-9) and result["bound"] == "occam-kl", f"kl^-1({result['train_error']:.6f}, ({result['bits_total']} ln2 + ln(1/{result['delta']}))/{result['n_bound']}) = {recomputed:.6f} (result says {result['error_bound']:.6f})")
    return VerifyReport(str(folder), checks)
