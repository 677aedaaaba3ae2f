"""``manage.py pii_audit``: counts by kind over stored dialogues, ids only in the admin's JSON."""

import json
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from roleplay.models import DialogueSource
from tests.factories import DialogueFactory, TurnFactory


@pytest.fixture
def stored(db):
    chat = DialogueFactory(source=DialogueSource.HUMAN_ROLEPLAY)
    TurnFactory(dialogue=chat, seq=1, text="加我微信：sunny_0719，或者打 13912345678")
    TurnFactory(dialogue=chat, seq=2, text="好的，我们2023-10-15见", original_text=None)
    synthetic = DialogueFactory(source=DialogueSource.LLM_SYNTHESIS)
    TurnFactory(dialogue=synthetic, seq=1, text="write to ann.lee@example.com", original_text="Email ann.lee@example.com.")
    clean = DialogueFactory(source=DialogueSource.HUMAN_ROLEPLAY)
    TurnFactory(dialogue=clean, seq=1, text="ISBN 978-7-02-000220-9，价格 ¥1,299.00")
    return chat, synthetic, clean


def test_audit_counts_personal_data_by_kind_and_lists_dialogues_in_the_json_only(stored, tmp_path):
    chat, synthetic, _clean = stored
    out = tmp_path / "audit.json"
    stdout = StringIO()
    call_command("pii_audit", "--json", str(out), "--no-progress", stdout=stdout)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["turns_scanned"] == 4
    assert report["dialogues_scanned"] == 3
    assert report["counts"] == {
        "phone": 1, "email": 2, "handle": 1, "id_number": 0, "bank_card": 0, "address": 0, "ip_address": 0, "url": 0
    }
    assert report["dialogues"] == [
        {"dialogue_id": chat.pk, "counts": {"handle": 1, "phone": 1}},
        {"dialogue_id": synthetic.pk, "counts": {"email": 2}},
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # Standard output (logs, terminals) carries counts, no dialogue ids.
    assert stdout.getvalue() == (
        "4 turns of 3 dialogues scanned; 2 dialogues hold personal data (phone 1, email 2, handle 1, "
        f"id_number 0, bank_card 0, address 0, ip_address 0, url 0). Report: {out}\n"
    )


def test_audit_scans_only_the_chosen_sources(stored, tmp_path):
    out = tmp_path / "audit.json"
    call_command("pii_audit", "--source", "llm_synthesis", "--json", str(out), "--no-progress", stdout=StringIO())
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["sources"] == ["llm_synthesis"]
    assert report["turns_scanned"] == 1
    assert report["counts"]["email"] == 2 and report["counts"]["phone"] == 0


def test_audit_refuses_an_unknown_source(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("pii_audit", "--source", "gossip", "--json", str(tmp_path / "a.json"), stdout=StringIO())
    assert not (tmp_path / "a.json").exists()
