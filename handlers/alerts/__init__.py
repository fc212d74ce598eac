"""Conversations of emergency alerts (应急): composing, answering and following."""
