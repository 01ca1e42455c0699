"""Kaltura Session (KS) tokens: the v1/v2 codec and privileges. Pure: no web framework, no database."""

from keyframe.ks.codec import (
    KS,
    KsDecodeError,
    SessionType,
    decode_v1,
    decode_v2,
    encode_v1,
    encode_v2,
    split_ks,
)
from keyframe.ks.privileges import Privileges

__all__ = [
    "KS",
    "KsDecodeError",
    "Privileges",
    "SessionType",
    "decode_v1",
    "decode_v2",
    "encode_v1",
    "encode_v2",
    "split_ks",
]
