"""driftwarden: a long-running service that watches ML models in production."""

__version__ = "0.1.0"
