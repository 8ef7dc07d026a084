"""Redis adapters: feature state shared by workers and surviving restarts."""
