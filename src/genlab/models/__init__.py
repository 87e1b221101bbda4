"""Model definitions: ``build_model(ModelConfig(...), input_shape, num_classes)``."""

from genlab.models._models import MODEL_NAMES, ModelConfig, build_model, count_parameters

__all__ = ["MODEL_NAMES", "ModelConfig", "build_model", "count_parameters"]
