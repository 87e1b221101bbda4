"""Certificates: rigorous upper bounds on a model's error (or bits per token) on unseen data.

    result = genlab.certify.certify_classifier(model, (x, y), (x_test, y_test), CertifyConfig(...), run=run)
    result = genlab.certify.certify_language_model(gpt, train_documents, test_documents, LMCertifyConfig(...), run=run)
    report = genlab.certify.verify(run.folder, model=..., train_data=...)   # re-derive one from its files

The built-in recipes (datasets, models, run store) live in ``genlab.recipes``. Names load with
their module on first use (the configurations without torch).
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("DOCUMENT_BOUNDS", "METHODS", "PRIORS", "CertifyConfig", "LMCertifyConfig"),
    "_classifier": ("BOUND_NAME", "CertifyResult", "certify_classifier", "decode_model", "split_prior_bound"),
    "_language": ("LMCertifyResult", "certify_language_model", "decode_language_model", "parameters_sha256"),
    "_verify": ("Check", "VerifyReport", "verify"),
    "_verify_language": ("verify_language_model",),
})
