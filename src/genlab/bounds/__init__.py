"""Generalization bounds: numbers in, numbers out.

Occam and PAC-Bayes bounds on the true risk of a model from its empirical risk, the number of
i.i.d. examples, its code length (bits) or KL divergence (nats), and a failure probability delta;
plus the prefix-free integer codes and delta splits needed to pay for choices made after seeing
the data; and bounds for language models (prediction smoothing, document- and token-level
bounds, subsampling), all in bits. Pure NumPy/SciPy, no state.
"""

from genlab.bounds._codes import (
    elias_delta_bits,
    elias_gamma_bits,
    elias_gamma_decode,
    elias_gamma_encode,
)
from genlab.bounds._kl import kl_bernoulli, kl_inverse
from genlab.bounds._language import (
    LanguageBound,
    document_bernstein_bound,
    document_level_bound,
    document_split_kl_bound,
    smooth_probabilities,
    smoothed_log2_loss,
    smoothed_loss_range,
    split_kl_tails,
    subsample_upper,
    subsampled_document_bound,
    subsampled_error_bound,
    token_level_bound,
    token_level_error_bound,
)
from genlab.bounds._occam import hoeffding_bound, occam_bound, occam_complexity
from genlab.bounds._pac_bayes import catoni_bound, pac_bayes_kl_bound
from genlab.bounds._union import split_delta, union_bound_bits

__all__ = [
    "LanguageBound",
    "catoni_bound",
    "document_bernstein_bound",
    "document_level_bound",
    "document_split_kl_bound",
    "elias_delta_bits",
    "elias_gamma_bits",
    "elias_gamma_decode",
    "elias_gamma_encode",
    "hoeffding_bound",
    "kl_bernoulli",
    "kl_inverse",
    "occam_bound",
    "occam_complexity",
    "pac_bayes_kl_bound",
    "smooth_probabilities",
    "smoothed_log2_loss",
    "smoothed_loss_range",
    "split_delta",
    "split_kl_tails",
    "subsample_upper",
    "subsampled_document_bound",
    "subsampled_error_bound",
    "token_level_bound",
    "token_level_error_bound",
    "union_bound_bits",
]
