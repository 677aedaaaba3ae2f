"""Contact details in a live chat message: refused over the WebSocket with ``personal_data``, nothing
stored, the refusal counted on the worker's record (WebsocketCommunicator)."""

import uuid

import pytest
from channels.db import database_sync_to_async

from platform_core.models import AuditEvent, WorkerProfile
from tests.roleplay.live_helpers import receive_until
from tests.roleplay.test_live_chat_consumer import (  # noqa: F401 - fixtures
    character,
    live_settings,
    say,
    session,
    start_chat,
    stored_turns,
    workers,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


@database_sync_to_async
def refusals_of(user) -> tuple[int, list[dict]]:
    count = WorkerProfile.objects.get(user=user).personal_data_refusals
    events = list(AuditEvent.objects.filter(action="privacy.refused", actor=user).values_list("details", flat=True))
    return count, events


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("加我微信：sunny_0719，我们私聊", ["handle"]),
        ("call me on (555) 123-4567 tonight", ["phone"]),
        ("我的邮箱是 ann.lee@example.com", ["email"]),
        ("我住在中关村大街27号，你来找我", ["address"]),
        ("手机一三八一二三四五六七八", ["phone"]),
        ("电话壹叁玖 捌捌贰壹 零零肆伍，平台抽成太高", ["phone"]),
        ("let's skip the fees, I'm @night_owl42 on telegram", ["handle"]),
    ],
)
async def test_a_message_with_contact_details_is_refused_counted_and_not_stored(session, workers, text, kinds):  # noqa: F811
    char_comm, player_comm = await start_chat(session, workers)
    msg_id = str(uuid.uuid4())
    await player_comm.send_json_to({"type": "message", "client_msg_id": msg_id, "text": text})
    error = await receive_until(player_comm, "error")
    assert error["code"] == "personal_data" and error["client_msg_id"] == msg_id
    assert "contact details" in error["message"]
    assert len(await stored_turns(session.pk)) == 1  # the greeting only
    count, events = await refusals_of(workers[1])
    assert count == 1 and events == [{"where": "live_chat", "kinds": kinds}]
    # The chat goes on: the same worker may write the message without the contact details.
    await say(player_comm, "Let's keep talking here, then.")
    assert len(await stored_turns(session.pk)) == 2
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_look_alikes_pass_and_the_kinds_are_a_setting(session, workers, live_settings):  # noqa: F811
    char_comm, player_comm = await start_chat(session, workers)
    await say(player_comm, "We sailed on 2023-10-15 at 14:30; the map cost ¥1,299.00 (ISBN 978-7-02-000220-9).")
    live_settings.PRIVACY_LIVE_REFUSED_KINDS = ["email"]
    await say(char_comm, "Ring 13912345678 if the fog lifts.")  # phone numbers allowed by this setting
    assert len(await stored_turns(session.pk)) == 3
    assert (await refusals_of(workers[0]))[0] == 0
    await char_comm.disconnect()
    await player_comm.disconnect()
