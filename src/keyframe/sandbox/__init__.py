"""Sandboxes: faithful stand-ins for the vendors Keyframe integrates with (Zoom first), served over real HTTP
on loopback so tests and developers exercise the same wire protocol Keyframe meets in production.

Each vendor has a sub-package with a server class usable as a context manager (``with ZoomSandbox() as
zoom: zoom.url``) and a ``keyframe sandbox <vendor>`` command. State lives in memory; nothing is written.
"""
