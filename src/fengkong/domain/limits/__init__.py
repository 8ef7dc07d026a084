"""Limits that are data rather than rules: customers' own limits and accounts' transfer agreements."""
