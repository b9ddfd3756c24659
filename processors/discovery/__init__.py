"""Topic discovery: where a channel's topic ideas come from, how they are scored, and which are
too close to what the owner already made."""
