"""Category entitlement: whether it is enforced for a request, and (elsewhere in this package) the rules."""
