"""In-memory adapters for every store: nothing persisted; for tests, trials and the `memory://` profile."""
