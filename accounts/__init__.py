"""Accounts: sign-up, the login throttle, and who is an instructor."""
