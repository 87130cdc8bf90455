"""The red-flag engine starts here.

rules and trends (pure: plain data in, findings out) <- inputs (a stored report and its
bounded look-back as rule inputs) -> engine (findings to flags, with their history) ->
notifications (alert emails, escalation). advice is what the patient is shown;
plan_checks says when a plan change needs a second confirmation; burden replays the
rules over stored reports; response_times are the reviewer's figures on how fast flags
are acknowledged. docs/architecture.md follows one walk through all of them."""
