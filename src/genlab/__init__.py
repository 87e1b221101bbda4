"""genlab: does a trained network memorize or generalize? Certify it.

    import genlab
    result = genlab.certify(model, (x_train, y_train), test_data=(x_test, y_test), config=genlab.CertifyConfig())
    print(result.error_bound, result.test_error, result.bits_total)
"""

from genlab import certify
from genlab.certify import CertifyConfig, CertifyResult, verify

__version__ = "0.1.0"
__all__ = ["CertifyConfig", "CertifyResult", "certify", "verify", "__version__"]
