"""``driftwarden serve``: the daemon (scheduler, worker pool, sinks) and its HTTP API."""
