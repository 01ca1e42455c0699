"""Keyframe: a self-hosted server for a video platform's Integration settings (Kaltura API v3 compatible)."""

__version__ = "0.1.0"
