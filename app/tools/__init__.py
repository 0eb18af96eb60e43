"""Tools a model may call: the call format, its grammar, and reading calls back."""
