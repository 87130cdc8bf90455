"""Writes that touch several models, each in one transaction and audited: enrolment and
accounts (enrolment), what patients report (reports), erasure and the patient's export."""
