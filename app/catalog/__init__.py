"""GGUF model files: where they are and what they hold, read without loading weights."""
