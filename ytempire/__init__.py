"""YTEmpire shared kernel: settings, logging, codec, Kafka helpers, artifacts, pricing."""

__version__ = "0.1.0"
