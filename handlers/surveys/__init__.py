"""Conversations of opinion surveys (意见征集): composing, answering, results."""
