"""Pledge reminders: mails to donors before and after a pledge is due, and the organizers' digest."""
