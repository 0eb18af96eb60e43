"""In-process llama.cpp: loading, hardware fit, prompt building and streaming."""
