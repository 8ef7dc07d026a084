"""One router per noun; each takes the services it needs from the platform."""
