"""The ``system`` service: liveness and server time."""
