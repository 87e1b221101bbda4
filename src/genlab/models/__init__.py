"""Model definitions: ``build_model(ModelConfig(...), input_shape, num_classes)`` for classifiers,
``build_gpt(GPTConfig(...))`` for language models."""

from genlab.models._gpt import GPT_SIZES, CausalLM, GPTConfig, build_gpt
from genlab.models._models import MODEL_NAMES, ModelConfig, build_model, count_parameters

__all__ = ["GPT_SIZES", "MODEL_NAMES", "CausalLM", "GPTConfig", "ModelConfig", "build_gpt", "build_model", "count_parameters"]
