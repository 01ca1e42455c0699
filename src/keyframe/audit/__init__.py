"""The audit trail: who changed or read what that matters for security, when, from where."""
