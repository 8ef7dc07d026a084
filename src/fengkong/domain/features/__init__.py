"""Event-time window aggregates per entity key, exact at bucket resolution, bounded in memory."""
