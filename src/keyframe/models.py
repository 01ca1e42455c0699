"""Every ORM model, imported so the metadata is complete (for migrations and the schema check)."""

from __future__ import annotations


def import_all_models() -> None:
    from keyframe.auth import models as _auth
    from keyframe.partners import models as _partners
    from keyframe.users import models as _users

    del _auth, _partners, _users
