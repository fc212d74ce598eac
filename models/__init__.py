"""Tortoise ORM models, one module per aggregate."""

MODEL_MODULES = [
    "models.people",
    "models.places",
    "models.repairs",
    "models.conversation",
    "models.outbox",
    "models.audit",
]
