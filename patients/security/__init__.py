"""Who may see what (access), the clinic-scoped admin site (admin_site), the audit trail
(audit), sign-in by email (backends) and two-step sign-in (two_factor)."""
