"""Conversations everyone has: /start and binding, registration, /help, /cancel, /lang."""
