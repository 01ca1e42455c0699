"""Users of a partner: login data, admin flag and status."""
