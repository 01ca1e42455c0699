"""Every behavioural storage test runs against local files and against S3 (``backend`` in the top-level
conftest: moto's server on loopback, each test with a prefix of its own in a shared bucket)."""

from __future__ import annotations

import pytest

from keyframe.storage import Storage
from tests.conftest import Backend


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.storage
