"""Acquiring: merchants and terminals as the acquirer registers, checks and limits them."""
