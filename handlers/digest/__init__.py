"""Conversations of the managers' digests."""
