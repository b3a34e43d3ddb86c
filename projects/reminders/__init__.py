"""Reminders: each user's pending work (the 待办 page) and the daily reminder e-mails."""
