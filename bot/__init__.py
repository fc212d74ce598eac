"""Houqin (后勤): a logistics-department chat bot."""
