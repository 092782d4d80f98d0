from tests.service.conftest import clock, source_url, store

__all__ = ["clock", "source_url", "store"]
