"""Model -> bit string -> model, exactly: subspace training, quantization, arithmetic coding.

The steps compose (STYLE.md, "compose, don't configure"): ``SubspaceModel`` reparametrises a
model as theta_0 + P z (all parameters, or LoRA factors with ``LoRAParametrization``: SubLoRA); ``LevelQuantizer`` snaps z onto learned levels; ``encode``/``decode``
turn the level indices, codebook and grid choice into a code file and back.
"""

from genlab.compress._coding import CODE_FORMATS, CODERS, QuantizedCode, check_coder, decode, empirical_entropy_bits, encode, ideal_index_bits, range_decode, range_encode
from genlab.compress._merges import decode_merges, encode_merges
from genlab.compress._quantize import LevelQuantizer
from genlab.compress._lora import LoRAParametrization, lora_targets
from genlab.compress._subspace import PROJECTORS, FastfoodProjector, FullParametrization, IdentityProjector, KroneckerProjector, SubspaceModel, assign_parameters, flatten_parameters, make_projector

__all__ = [
    "CODE_FORMATS",
    "CODERS",
    "PROJECTORS",
    "FastfoodProjector",
    "FullParametrization",
    "IdentityProjector",
    "KroneckerProjector",
    "LevelQuantizer",
    "LoRAParametrization",
    "QuantizedCode",
    "SubspaceModel",
    "assign_parameters",
    "check_coder",
    "decode",
    "decode_merges",
    "empirical_entropy_bits",
    "encode",
    "encode_merges",
    "flatten_parameters",
    "ideal_index_bits",
    "lora_targets",
    "make_projector",
    "range_decode",
    "range_encode",
]
