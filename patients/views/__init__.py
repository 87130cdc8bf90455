"""The app's pages, one module per person's area: home (where each role lands), week,
walks and check_ins (the patient's), dashboard and record (the clinician's), reports
(the reviewer's) and accounts (invitations, email changes, two-step sign-in)."""
