# The live-server fixtures (uvicorn subprocesses, shared database, Redis) live in tests/e2e/conftest.py.
from tests.e2e.conftest import (  # noqa: F401
    _sqlite_live_template,
    live_db,
    redis_url,
    session_cookie,
    uvicorn_server,
    uvicorn_server_factory,
)
