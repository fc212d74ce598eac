"""The web chat adapter: the page, its JSON API, uploads and the in-memory chat history."""
