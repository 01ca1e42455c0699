"""A ``keyframe worker`` process that also knows the test job kinds (settings from the environment)."""

from __future__ import annotations

import logging
import sys

import tests.jobs.support  # noqa: F401 - registers the test kinds
from keyframe.config import Settings
from keyframe.jobs.runtime import run_worker
from keyframe.services import Services

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    services = Services.create(Settings())
    try:
        run_worker(services, int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    finally:
        services.close()
