"""The pure core of fengkong: stdlib only, no I/O. Everything else depends on it, never the reverse."""
