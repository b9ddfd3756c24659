"""Provider interfaces (Protocols) and their implementations, one module each."""
