"""Domain services: they own the rules and are the only code that touches the ORM."""
