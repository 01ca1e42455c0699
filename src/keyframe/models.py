"""Every ORM model, imported so the metadata is complete (for migrations and the schema check)."""

from __future__ import annotations


def import_all_models() -> None:
    from keyframe.audit import models as _audit
    from keyframe.auth import models as _auth
    from keyframe.partners import models as _partners
    from keyframe.roles import models as _roles
    from keyframe.users import models as _users

    del _audit, _auth, _partners, _roles, _users
