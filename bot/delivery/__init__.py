"""Delivery: the notifier (outbox first), the outbox table, per-platform lanes and rate limits,
and the announcer that renders pushes in each recipient's language."""
