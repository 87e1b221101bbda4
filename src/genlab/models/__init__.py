"""Model definitions: ``build_model(ModelConfig(...), input_shape, num_classes)`` for classifiers,
``build_gpt(GPTConfig(...))`` for language models, ``load_pretrained(name)`` for a pretrained one."""

from genlab.models._gpt import GPT_SIZES, CausalLM, GPTConfig, build_gpt, gpt_shape
from genlab.models._models import INITS, MODEL_NAMES, BuiltinModel, ModelConfig, build_model, count_parameters, he_init
from genlab.models._pretrained import BYTE_GPTS, PRETRAINED, build_byte_gpt, load_pretrained

__all__ = ["BYTE_GPTS", "GPT_SIZES", "INITS", "MODEL_NAMES", "PRETRAINED", "BuiltinModel", "CausalLM", "GPTConfig", "ModelConfig", "build_byte_gpt", "build_gpt", "build_model", "count_parameters", "gpt_shape", "he_init", "load_pretrained"]
