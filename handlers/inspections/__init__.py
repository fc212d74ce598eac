"""Conversations of inspection rounds (巡检)."""
