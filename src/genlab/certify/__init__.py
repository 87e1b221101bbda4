"""Certificates: ``genlab.certify(model, train_data, test_data, config=CertifyConfig(...))`` and ``verify``.

The package is itself callable, so ``genlab.certify(...)`` (the entry point users guess) and
``genlab.certify.CertifyConfig`` (the study's namespace) are the same object.
"""

import sys
import types

from genlab.certify._builtin import Check, VerifyReport, certify_builtin, recipe, resume_certify, verify
from genlab.certify._classifier import BOUND_NAME, PRIORS, CertifyConfig, CertifyResult, certify, decode_model, split_prior_bound
from genlab.certify._language import LMCertifyConfig, LMCertifyResult, certify_language_model, certify_lm_builtin, decode_language_model, lm_recipe
from genlab.certify._verify_language import verify_language_model

__all__ = ["BOUND_NAME", "PRIORS", "Check", "CertifyConfig", "CertifyResult", "VerifyReport", "LMCertifyConfig", "LMCertifyResult", "certify", "certify_builtin", "certify_language_model", "certify_lm_builtin", "decode_language_model", "lm_recipe", "recipe", "resume_certify", "decode_model", "split_prior_bound", "verify", "verify_language_model"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs) -> CertifyResult:
        return certify(*args, **kwargs)

    __call__.__doc__ = certify.__doc__


sys.modules[__name__].__class__ = _CallableModule
