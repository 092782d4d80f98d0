"""The extra sinks of ``driftwarden serve``, after the built-in ones.

Each factory takes the config and the store and returns a sink (or None when
the config does not enable it). A sink is any object with a ``name`` and
``publish(monitor, result, data)`` (:class:`monitor.pipeline.Sink`); one with
``reconfigure(config)`` also hears about every successful config reload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from monitor.config import Config
from monitor.pipeline import Sink
from monitor.store import Store

SinkFactory = Callable[[Config, Store], Sink | None]

SINK_FACTORIES: tuple[SinkFactory, ...] = ()
"""Factories of the HTML report and alert sinks, in the order they publish."""


def build_sinks(
    config: Config, store: Store, factories: Sequence[SinkFactory] = SINK_FACTORIES
) -> list[Sink]:
    sinks = []
    for factory in factories:
        sink = factory(config, store)
        if sink is not None:
            sinks.append(sink)
    return sinks
