"""Accounts: the password policy, two factors (password + TOTP, recovery codes), the lock-out
after failed logins, the idle time-out and one live session per account (MLPS level 3)."""
