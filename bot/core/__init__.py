"""The platform-neutral core: types, routing, conversation state, i18n and delivery."""
