"""Conversations of repairs: reporting, following one's tickets, the worker's jobs, managing."""
