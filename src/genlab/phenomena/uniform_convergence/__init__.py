"""Uniform convergence may be unable to explain generalization (Nagarajan & Kolter, NeurIPS 2019).

Two concentric hyperspheres (radii 1 and 1.1) in d dimensions, labelled by sphere; a one-hidden-layer
ReLU network trained by SGD until nearly every training point has a margin. S' is the training set
with every point moved onto the other sphere and its label flipped accordingly: valid data from the
same distribution, on which the network errs almost always while its test error falls with m. Any
uniform-convergence bound over the algorithm's outputs must hold on S' too, so it is vacuous. The
norm-based bound terms of the same networks grow with m while the test error falls.

Entry point: ``run(UniformConvergenceConfig(...), run=<store run>)`` returns a
``UniformConvergenceResult``; ``hypersphere_data``, ``project_to_other_sphere`` and ``bound_terms``
also serve a user's own network.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("UniformConvergenceConfig",),
    "_run": ("HypersphereNet", "UniformConvergenceResult", "bound_terms", "hypersphere_data", "margins", "project_to_other_sphere", "run"),
})
