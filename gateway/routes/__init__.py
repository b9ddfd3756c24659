"""Routers, one module per resource; ``app.py`` mounts them under ``/v1`` (health at the root)."""
