"""Pledge reminders: mails to donors before and after a pledge is due; organizers digest."""
