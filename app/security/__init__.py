"""Model signatures, trust store and (later) safety filter, audit and policy."""
