"""Groups of users (a user with type GROUP) and their members (groupUser)."""
