"""The audit log: security events recorded append-only, hash-chained, read by the 审计员 alone."""
