"""Roles, the permission catalogue and partner features."""
