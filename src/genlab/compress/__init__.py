"""Model -> bit string -> model, exactly: subspace training, quantization, arithmetic coding.

The steps compose (STYLE.md, "compose, don't configure"): ``SubspaceModel`` reparametrises a
model as theta_0 + P z (all parameters, or LoRA factors with ``LoRAParametrization``: SubLoRA);
``LevelQuantizer`` snaps z onto learned levels; ``encode``/``decode`` turn the level indices,
codebook and grid choice into a code file and back; ``encode_merges``/``decode_merges`` do the
same for a trained BPE tokenizer. Names load with their module on first use (the coders and the
projector names without torch).
"""

from genlab._lazy import lazy_exports

PROJECTOR_NAMES = ("kronecker", "fastfood", "identity")

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_coding": ("CODE_FORMATS", "CODERS", "QuantizedCode", "check_coder", "decode", "empirical_entropy_bits", "encode", "ideal_index_bits", "range_decode", "range_encode"),
    "_lora": ("LoRAParametrization", "lora_targets"),
    "_merges": ("decode_merges", "encode_merges"),
    "_quantize": ("LevelQuantizer",),
    "_subspace": ("PROJECTORS", "FastfoodProjector", "FullParametrization", "IdentityProjector", "KroneckerProjector", "SubspaceModel", "assign_parameters",
                  "flatten_parameters", "make_projector"),
})
__all__ = sorted([*__all__, "PROJECTOR_NAMES"])
