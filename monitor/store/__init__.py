"""The results database (SQLAlchemy ORM; schema owned by Alembic migrations)."""

from monitor.store.store import Store, create_store_engine

__all__ = ["Store", "create_store_engine"]
