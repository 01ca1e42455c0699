"""Every ORM model, imported so the metadata is complete (for migrations and the schema check)."""

from __future__ import annotations


def import_all_models() -> None:
    from keyframe.audit import models as _audit
    from keyframe.auth import models as _auth
    from keyframe.categories import models as _categories
    from keyframe.entitlement import models as _entitlement
    from keyframe.groups import models as _groups
    from keyframe.jobs import models as _jobs
    from keyframe.media import models as _media
    from keyframe.partners import models as _partners
    from keyframe.roles import models as _roles
    from keyframe.uploads import models as _uploads
    from keyframe.users import models as _users
    from keyframe.zoom import models as _zoom

    del (
        _audit,
        _auth,
        _categories,
        _entitlement,
        _groups,
        _jobs,
        _media,
        _partners,
        _roles,
        _uploads,
        _users,
        _zoom,
    )
