"""How well a model will generalize, estimated rather than certified.

- ``disagreement(model_fn, (x, y), unlabeled=x_test, pairs=3, source="alldiff")``: the recipe's
  test error from how often two of its runs disagree on unlabelled inputs (Jiang, Nagarajan, Baek
  & Kolter, ICLR 2022), with a Clopper-Pearson interval; with labels, the test error beside it and
  the vote ensemble's calibration errors (CACE, CWCE, ECE) that bound the difference.
- calibration of vote ensembles and disagreement rates as plain functions of predictions;
- rank statistics of a measure over a model zoo: Kendall's tau, Fantastic's granulated Psi, PGDL's
  conditional mutual information (``kendall_tau``, ``granulated_tau``,
  ``conditional_mutual_information``, ``bootstrap``);
- the intrinsic dimension of a task (``intrinsic_dimension``: d_90 by a grid and bisection of
  random subspaces, Li et al. 2018);
- heavy-tailed spectral metrics of the weights, no data needed (``spectral_metrics``: alpha,
  alpha-hat, log spectral norm, stable rank per layer; weightwatcher 0.7.7's conventions).
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("DATA_SPLITS", "MODEL_AXES", "SOURCES", "TRAIN_AXES", "DisagreementConfig", "IntrinsicDimensionConfig", "ZooConfig"),
    "_intrinsic": ("IntrinsicDimensionResult", "intrinsic_dimension"),
    "_aline": ("AGREEMENT_RANGE", "agreement_matrix", "agreement_on_the_line"),
    "_calibration": ("class_aggregated_calibration_error", "class_wise_calibration_error", "clopper_pearson", "expected_calibration_error",
                     "expected_disagreement", "expected_error", "reliability", "vote_probabilities"),
    "_disagreement": ("DisagreementResult", "disagreement", "summarize", "train_run"),
    "_measures": ("MEASURES",),
    "_zoo": ("ALL_MEASURES", "ZooModel", "ZooResult", "gde_summary", "rank_measures", "train_member", "zoo", "zoo_spectra", "zoo_tasks"),
    "_rank": ("bootstrap", "conditional_mutual_information", "granulated_tau", "kendall_tau"),
    "_spectral": ("layer_eigenvalues", "power_law_fit", "spectral_metrics"),
})
