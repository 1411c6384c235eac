"""Leadership: facts folded from the log, and the metrics of DESIGN computed from them."""
