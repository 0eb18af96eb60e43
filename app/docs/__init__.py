"""Documents to ask questions of: reading files, cutting them into passages, finding passages."""
