"""Which channel acts through which Google grant (``connections``); the API clients themselves
are in ``ytempire.core.google``, shared with the gateway."""
