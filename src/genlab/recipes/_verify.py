"""``verify`` for any run folder: the inputs of a built-in recipe's run are rebuilt from its
config.json; a run made through the Python API takes them as arguments."""

from __future__ import annotations

import json
from pathlib import Path

from genlab.certify import LMCertifyConfig, VerifyReport
from genlab.certify import verify as verify_certificate
from genlab.models import ModelConfig
from genlab.recipes._certify import builtin_data, initial_model
from genlab.recipes._language import builtin_lm_inputs


def verify(folder: str | Path, *, model=None, train_data=None, test_data=None, train_documents=None, tokenizer=None, prior_documents=None, progress: bool = True) -> VerifyReport:
    """Re-derive the certificate in ``folder`` from its own files (see genlab.certify.verify for
    what is checked). For a run made by ``genlab certify`` or ``genlab certify-lm`` nothing else is
    needed; for one made through the Python API, pass the inputs it was made on: the
    architecture ``model`` and ``train_data`` (and ``test_data``) of a classifier, the base
    ``model``, ``train_documents`` and ``tokenizer`` of a language model (and the
    ``prior_documents`` a pretrained base was trained on)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a run folder; `genlab runs` lists the runs in a store")
    paths = [folder / name for name in ("config.json", "result.json")]
    if model is None and all(p.is_file() for p in paths):
        run_config, result = (json.loads(p.read_text()) for p in paths)
        kind = run_config.get("kind")
        if kind == "certify-lm":
            model, tokenizer, train_documents, prior_documents = builtin_lm_inputs(folder, run_config, LMCertifyConfig.from_dict(result["config"]))
        elif kind == "certify":
            ds = builtin_data(run_config["dataset"], run_config.get("train_size"), run_config.get("test_size"))
            model = initial_model(ModelConfig(**run_config["model"]), ds, result["config"]["seed"])
            train_data, test_data = (ds.x_train, ds.y_train), (ds.x_test, ds.y_test)
        elif kind in ("memorize", "memorize-text", "grok", "grok-sweep"):
            raise ValueError(f"{folder} holds a {kind!r} run, not a certificate: verify re-derives certificates (genlab certify, genlab certify-lm)")
    return verify_certificate(folder, model=model, train_data=train_data, test_data=test_data, train_documents=train_documents, tokenizer=tokenizer,
                              prior_documents=prior_documents, progress=progress)
