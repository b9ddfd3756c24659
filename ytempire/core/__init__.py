"""The kernel floor: settings, logging, events and their codec, topics, Kafka helpers, artifacts,
cache, pricing, media. Imports nothing else of the project."""
