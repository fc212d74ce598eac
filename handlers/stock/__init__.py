"""Conversations of stock (物资): questions, requisitions, the storekeeper's tools."""
