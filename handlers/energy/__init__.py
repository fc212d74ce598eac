"""Conversations of energy anomalies (水电异常)."""
