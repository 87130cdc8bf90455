"""Forms parse and check input; services do the writing. reports: what patients report;
clinic: what clinicians decide; accounts: sign-in and two-step codes; common: shared parts."""
