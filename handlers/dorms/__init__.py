"""Conversations of dorm check-in: the student's, the dorm admin's, checklists, /verify."""
