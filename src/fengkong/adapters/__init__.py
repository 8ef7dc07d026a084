"""The only code that does I/O: storage, state, crypto. Chosen by short name in bootstrap."""
