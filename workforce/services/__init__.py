"""Workforce writes, one module per concern: ledger, units, review, qualifications, onboarding,
studies, payouts, fair pay, and the sync that opens units for work done in the other apps."""
