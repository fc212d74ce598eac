"""Contractor / service scoring in chat: /contractors for managers, the scoring card for the
departments' scorers."""
