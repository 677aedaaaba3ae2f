"""The shared live-server fixture itself: a server subprocess sees what the test stores, and vice versa."""

import httpx

from platform_core.roles import Role
from tests.factories import UserFactory


def test_live_server_serves_a_signed_in_user_created_by_the_test(uvicorn_server, session_cookie):
    user = UserFactory(roles=[Role.CROWDWORKER], username="livecheck")
    response = httpx.get(uvicorn_server.url + "/", cookies={"sessionid": session_cookie(user)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Livecheck" in response.text
