"""Loaded with ``-p tests.testing_env`` (see pyproject.toml) before pytest-django reads the settings.

A conftest is imported too late for this: pytest-django configures Django while loading the
initial conftests, so the environment has to be set by an early plugin.
"""

import os

os.environ.setdefault("TROUPE_TESTING", "1")
# Each run gets its own channel-layer prefix, so parallel runs on one Redis never cross.
os.environ.setdefault("CHANNEL_LAYER_PREFIX", f"troupe-test-{os.getpid()}")
