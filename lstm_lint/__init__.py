"""lstm-lint: static shape checking for PyTorch recurrent models."""

__version__ = "0.1.0"
