"""Outcomes: the questionnaires' scoring and schedule, the follow-up after discharge, and
the clinic's figures (recurrence-free days, adherence, who improved). docs/outcomes.md."""
