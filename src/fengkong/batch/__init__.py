"""Batch analytics over stored events (DuckDB on an incremental Parquet export): cash-out
monitoring, common point of compromise, the risk event register. Never imported by api/."""
