"""Who is calling: KS validation, revocation, action limits and the permissions of a request."""
