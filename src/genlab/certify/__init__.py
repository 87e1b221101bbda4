"""Certificates: rigorous upper bounds on a model's error (or bits per token) on unseen data.

    result = genlab.certify.certify_classifier(model, (x, y), (x_test, y_test), CertifyConfig(...), run=run)
    result = genlab.certify.certify_language_model(gpt, train_documents, test_documents, LMCertifyConfig(...), run=run)
    report = genlab.certify.verify(run.folder, model=..., train_data=...)   # re-derive one from its files

The built-in recipes (datasets, models, run store) live in ``genlab.recipes``.
"""

from genlab.certify._classifier import BOUND_NAME, PRIORS, CertifyConfig, CertifyResult, certify_classifier, decode_model, split_prior_bound
from genlab.certify._language import LMCertifyConfig, LMCertifyResult, certify_language_model, decode_language_model
from genlab.certify._verify import Check, VerifyReport, verify
from genlab.certify._verify_language import verify_language_model

__all__ = ["BOUND_NAME", "PRIORS", "Check", "CertifyConfig", "CertifyResult", "LMCertifyConfig", "LMCertifyResult", "VerifyReport", "certify_classifier", "certify_language_model",
           "decode_language_model", "decode_model", "split_prior_bound", "verify", "verify_language_model"]
