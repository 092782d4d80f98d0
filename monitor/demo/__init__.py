"""``driftwarden demo``: synthetic logs in ``demo.db`` and the demo monitor run over them."""
