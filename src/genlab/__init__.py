"""genlab: does a trained network memorize or generalize? Certify it.

    import genlab
    result = genlab.certify(model, (x_train, y_train), test_data=(x_test, y_test), config=genlab.CertifyConfig())
    print(result.error_bound, result.test_error, result.bits_total)

    result = genlab.certify_language_model(gpt, train_documents, test_documents, config=genlab.LMCertifyConfig())
    print(result.document_bound, result.token_bound, result.bits_total)
"""

from genlab import certify
from genlab.certify import CertifyConfig, CertifyResult, LMCertifyConfig, LMCertifyResult, certify_language_model, verify

__version__ = "0.1.0"
__all__ = ["CertifyConfig", "CertifyResult", "LMCertifyConfig", "LMCertifyResult", "certify", "certify_language_model", "verify", "__version__"]
