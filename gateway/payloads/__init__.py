"""Request and response bodies (Pydantic) by resource, kept apart from the SQLAlchemy models
(``gateway.models``) on purpose."""
