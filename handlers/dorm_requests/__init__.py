"""Conversations of dorm life requests (晚归 / 外宿 / 调宿) and night duty."""
