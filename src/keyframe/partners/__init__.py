"""Partner accounts: ids, secrets, status and the partner service."""
