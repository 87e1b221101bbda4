"""Model -> bit string -> model, exactly: subspace training, quantization, arithmetic coding.

The steps compose (STYLE.md, "compose, don't configure"): ``SubspaceModel`` reparametrises a
model as theta_0 + P z; ``LevelQuantizer`` snaps z onto learned levels; ``encode``/``decode``
turn the level indices, codebook and grid choice into a code file and back.
"""

from genlab.compress._coding import QuantizedCode, decode, empirical_entropy_bits, encode
from genlab.compress._quantize import LevelQuantizer
from genlab.compress._subspace import PROJECTORS, FastfoodProjector, KroneckerProjector, SubspaceModel, assign_parameters, flatten_parameters, make_projector

__all__ = [
    "PROJECTORS",
    "FastfoodProjector",
    "KroneckerProjector",
    "LevelQuantizer",
    "QuantizedCode",
    "SubspaceModel",
    "assign_parameters",
    "decode",
    "empirical_entropy_bits",
    "encode",
    "flatten_parameters",
    "make_projector",
]
