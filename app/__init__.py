"""Open-AutoGLM: a local, provable desktop assistant around llama.cpp."""

__version__ = "0.1.0"
