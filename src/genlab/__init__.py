"""genlab: does a trained network memorize or generalize? Certify it, measure it, reproduce it.

    import genlab
    result = genlab.certify_classifier(model, (x_train, y_train), (x_test, y_test), genlab.CertifyConfig())
    print(result.error_bound, result.test_error, result.bits_total)
    print(genlab.verify(folder, model=model, train_data=(x_train, y_train)).ok)

The top level holds the studies' entry points, configs and results only; each is imported when
first used, so ``import genlab.bounds`` stays light (NumPy and SciPy, no torch).
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "CertifyConfig": ("genlab.certify", "CertifyConfig"),
    "CertifyResult": ("genlab.certify", "CertifyResult"),
    "certify_classifier": ("genlab.certify", "certify_classifier"),
    "LMCertifyConfig": ("genlab.certify", "LMCertifyConfig"),
    "LMCertifyResult": ("genlab.certify", "LMCertifyResult"),
    "certify_language_model": ("genlab.certify", "certify_language_model"),
    "MemorizationConfig": ("genlab.memorization", "MemorizationConfig"),
    "MemorizationResult": ("genlab.memorization", "MemorizationResult"),
    "memorization_scores": ("genlab.memorization", "scores"),
    "DisagreementConfig": ("genlab.estimate", "DisagreementConfig"),
    "DisagreementResult": ("genlab.estimate", "DisagreementResult"),
    "estimate_disagreement": ("genlab.estimate", "disagreement"),
    "GrokConfig": ("genlab.phenomena.grokking", "GrokConfig"),
    "GrokResult": ("genlab.phenomena.grokking", "GrokResult"),
    "grok": ("genlab.phenomena.grokking", "run"),
    "verify": ("genlab.recipes", "verify"),
}
_PACKAGES = ("bounds", "certify", "cli", "compress", "data", "estimate", "memorization", "models", "phenomena", "recipes", "report", "store", "sweep", "train")

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    if name in _PACKAGES:
        return importlib.import_module(f"genlab.{name}")
    raise AttributeError(f"module 'genlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *_PACKAGES, "__version__"])
