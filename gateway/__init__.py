"""The HTTP API (FastAPI): a producer and a status projection, never a stage."""
