"""The scheduler: APScheduler running the periodic jobs that pick up due work from the database."""
