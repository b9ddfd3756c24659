"""YTEmpire shared kernel: settings, logging, event codec, Kafka helpers, artifact store, pricing."""

__version__ = "0.1.0"
