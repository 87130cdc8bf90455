"""Reminders the patient chose: when each is due (schedule), queueing and sending them
(sending), the signed links in them, and web push (push)."""
