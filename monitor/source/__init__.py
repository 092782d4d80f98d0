"""Reading prediction logs from SQL databases."""

from monitor.source.engines import EngineCache, create_source_engine, mask_url
from monitor.source.sql import SourceSpec, SqlSource

__all__ = ["EngineCache", "SourceSpec", "SqlSource", "create_source_engine", "mask_url"]
