"""Curation counts, personal data scrubbing, character-disjoint splits, determinism, atomic publish."""

from pathlib import Path

import pandas as pd
import pytest

from exports import services
from exports.build import pipeline, publish, writers
from exports.curation import scrub_personal_data
from exports.models import BuildStatus, ExportBuild
from exports.selectors import build_split_path
from platform_core.models import AuditEvent
from roleplay.models import CharacterCategory, DialogueSource, DialogueStatus, Speaker
from tests.exports.conftest import LINES, add_turns, make_corpus
from tests.factories import CharacterFactory, DialogueFactory, ModelVersionFactory

SPLITS = ("train", "validation", "test")
VALID_ID = "11010519491231002X"
VISA_TEST_CARD = "4111 1111 1111 1111"


def _all_turns(build) -> pd.DataFrame:
    return pd.concat(pd.read_parquet(build_split_path(build, split, "parquet")) for split in SPLITS)


def test_planted_personal_data_is_replaced_by_kind_numbered_per_dialogue_and_counted(db, build_now):
    character = CharacterFactory()
    dialogue = DialogueFactory(character=character, status=DialogueStatus.ACCEPTED)
    add_turns(
        dialogue,
        [
            "Hello! Call me at 13812345678 or +44 20 7946 0958.",
            f"My ID is {VALID_ID} and my mail is ann.lee@example.com",
            f"Pay to card {VISA_TEST_CARD}, thanks.",
            "Order 12345678901234567 is not personal.",  # fails every checksum: kept
            "我的手机号是 138-1234-5678，身份证号" + VALID_ID + "。",
            "座机010-62751234，加我微信：wxid_k2j4h5g6f7d8，QQ：2837465910",
            "(555) 123-4567 or 07700 900123; my SSN is 219-09-9999",
            "我住在中关村大街27号, or 221B Baker Street, London NW1 6XE",
            "手机一三八一二三四五六七八，服务器 192.168.10.23",
            "2023-10-15 14:30, ¥1,299.00, ISBN 978-7-02-000220-9, version 2.3.1, 1998年, 3 kg",
        ],
    )
    other = DialogueFactory(character=character, status=DialogueStatus.ACCEPTED)
    add_turns(other, ["Text 13900001111, not 13812345678", "Fine."], first_speaker=Speaker.PLAYER)
    build = build_now({"min_turns": 1})
    assert build.stats["pii_replacements"] == {
        "phone": 9, "email": 1, "handle": 2, "id_number": 3, "bank_card": 1, "address": 2, "ip_address": 1, "url": 0
    }
    turns = _all_turns(build).sort_values(["dialogue_id", "seq"])
    first = turns[turns.dialogue_id == dialogue.pk]["text"].tolist()
    assert first[0] == "Hello! Call me at [PHONE_1] or [PHONE_2]."
    assert first[1] == "My ID is [ID_NUMBER_1] and my mail is [EMAIL_1]"
    # The same number in another turn of the dialogue keeps its placeholder.
    assert first[4] == "我的手机号是 [PHONE_1]，身份证号[ID_NUMBER_1]。"
    assert first[5] == "座机[PHONE_3]，加我微信：[HANDLE_1]，QQ：[HANDLE_2]"
    assert first[6] == "[PHONE_4] or [PHONE_5]; my SSN is [ID_NUMBER_2]"
    # A street address with its town and postcode is one address.
    assert first[7] == "我住在[ADDRESS_1], or [ADDRESS_2]"
    assert first[8] == "手机[PHONE_1]，服务器 [IP_ADDRESS_1]"  # the same mobile, in Chinese numerals
    # Look-alikes are left as they were.
    assert first[3] == "Order 12345678901234567 is not personal."
    assert first[9] == "2023-10-15 14:30, ¥1,299.00, ISBN 978-7-02-000220-9, version 2.3.1, 1998年, 3 kg"
    # Another dialogue numbers its own.
    assert turns[turns.dialogue_id == other.pk]["text"].tolist()[0] == "Text [PHONE_1], not [PHONE_2]"
    jsonl = "".join(p.read_text() for p in Path(build.directory).rglob("*.jsonl"))
    for secret in ("13812345678", "7946 0958", VALID_ID, "ann.lee@example.com", "1111 1111", "62751234", "wxid_", "中关村"):
        assert secret not in jsonl
    manifest = (Path(build.directory) / "manifest.json").read_text()
    assert '"handle": 2' in manifest
    datasheet = (Path(build.directory) / "DATASHEET.md").read_text()
    assert "| handle | 2 |" in datasheet


def test_no_digits_no_replacement():
    assert scrub_personal_data("no digits here") == ("no digits here", 0)


def test_duplicates_empty_turns_and_short_dialogues_are_removed_and_counted(db, build_now):
    make_corpus(characters=3, per_character=1)
    character = CharacterFactory()
    original = DialogueFactory(character=character, status=DialogueStatus.ACCEPTED)
    add_turns(original, LINES)
    copy = DialogueFactory(character=character, status=DialogueStatus.ACCEPTED)
    add_turns(copy, LINES)  # an exact duplicate of ``original``
    echo = DialogueFactory(character=character, status=DialogueStatus.ACCEPTED)
    add_turns(
        echo,
        ["Hi there, how are you doing today?", "Fine, thanks.", "Hi there, how are you doing today??", "   ", "Ok."],
    )
    short = DialogueFactory(character=character, status=DialogueStatus.ACCEPTED)
    add_turns(short, ["Just one line."])
    DialogueFactory(character=character, status=DialogueStatus.REJECTED)  # never selected
    build = build_now()
    curation = build.stats["curation"]
    assert curation["duplicate_dialogues"] == 1
    assert curation["near_duplicate_turns"] == 1
    assert curation["empty_turns"] == 1
    assert curation["dialogues_below_min_turns"] == 1
    table = _all_turns(build)
    assert copy.pk not in set(table["dialogue_id"]) and original.pk in set(table["dialogue_id"])
    assert (table["text"].str.strip() != "").all()
    echo_rows = table[table["dialogue_id"] == echo.pk]
    assert list(echo_rows["text"]) == ["Hi there, how are you doing today?", "Fine, thanks.", "Ok."]


def test_split_is_character_disjoint_and_stratified(db, build_now):
    make_corpus(characters=10, per_character=2, category=CharacterCategory.DAILY_LIFE)
    make_corpus(characters=10, per_character=2, category=CharacterCategory.CELEBRITIES)
    build = build_now({"seed": 7})
    table = _all_turns(build)
    splits_per_character = table.groupby("character_id")["split"].nunique()
    assert (splits_per_character == 1).all()
    per_split = table.groupby("split")["category"].apply(set)
    for split in SPLITS:  # each stratum is divided, so every split sees both categories
        assert per_split[split] == {"daily_life", "celebrities"}
    assert build.stats["splits"]["train"]["characters"] == 16


def test_same_spec_on_same_data_gives_byte_identical_files(corpus, build_now):
    first = build_now({"seed": 3})
    second = build_now({"seed": 3})
    assert first.version != second.version
    assert first.data_sha256 == second.data_sha256
    data_files = [name for name in first.files if name not in publish.NON_DATA_FILES]
    assert len(data_files) == 3 * 3 + 2
    for name in data_files:
        assert first.files[name]["sha256"] == second.files[name]["sha256"], name
        assert (Path(first.directory) / name).read_bytes() == (Path(second.directory) / name).read_bytes()
    other_seed = build_now({"seed": 4})
    assert other_seed.data_sha256 != first.data_sha256


def test_build_killed_half_way_publishes_nothing_and_can_be_rerun(
    corpus, build_now, monkeypatch, export_media_root, django_capture_on_commit_callbacks
):
    written = {"n": 0}
    real_write_turns = writers.SplitWriter.write_turns

    def dying_write_turns(self, table):
        written["n"] += 1
        if written["n"] == 2:  # one split's turns written, the next one's not
            raise KeyboardInterrupt("killed")  # what a SIGINT/SIGTERM looks like inside the writer
        return real_write_turns(self, table)

    monkeypatch.setattr(writers.SplitWriter, "write_turns", dying_write_turns)
    with pytest.raises(KeyboardInterrupt):
        build_now()
    build = ExportBuild.objects.get()
    assert build.status == BuildStatus.FAILED and "killed" in build.error
    assert build.version is None and build.directory == ""
    exports_dir = Path(export_media_root) / "exports"
    assert list(exports_dir.iterdir()) == []  # no published directory, no temporary left over

    monkeypatch.setattr(writers.SplitWriter, "write_turns", real_write_turns)
    with django_capture_on_commit_callbacks(execute=True):
        services.export_build_retry(build=build)  # the Celery task runs (eagerly) on commit
    build.refresh_from_db()
    assert build.status == BuildStatus.PUBLISHED and build.version == 1
    assert [p.name for p in exports_dir.iterdir()] == [f"build-{build.pk}"]


def test_leftovers_of_a_killed_process_are_cleaned_on_rerun(corpus, build_now, export_media_root):
    spec = services.export_spec_create(data={"name": "x"})
    build = services.export_build_create(spec=spec, enqueue=False)
    exports_dir = Path(export_media_root) / "exports"
    stale = exports_dir / f".tmp-build-{build.pk}-deadbeef" / "train"
    stale.mkdir(parents=True)
    (stale / "messages.jsonl").write_text("half a line")
    half = exports_dir / f"build-{build.pk}"  # renamed but never committed
    half.mkdir()
    (half / "manifest.json").write_text("{}")
    build = services.export_build_run(build=build)
    assert build.status == BuildStatus.PUBLISHED
    assert sorted(p.name for p in exports_dir.iterdir()) == [f"build-{build.pk}"]
    assert (half / "train" / "messages.jsonl").stat().st_size > 0


def test_failed_build_is_recorded_and_audited(corpus, build_now, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writers, "histogram_png", broken)
    monkeypatch.setattr(pipeline, "histogram_png", broken)
    build = build_now()
    assert build.status == BuildStatus.FAILED and "disk full" in build.error
    assert AuditEvent.objects.filter(action="export.build_failed", target_id=str(build.pk)).exists()


def test_published_build_is_audited_and_not_rebuilt(corpus, build_now, admin_user):
    build = build_now(creator=admin_user)
    event = AuditEvent.objects.get(action="export.build", target_id=str(build.pk))
    assert event.actor == admin_user and event.details["version"] == build.version
    again = services.export_build_run(build=build)
    assert again.data_sha256 == build.data_sha256 and ExportBuild.objects.count() == 1


def test_human_machine_dialogues_are_filtered_by_model_generation(db, build_now):
    make_corpus(characters=2, per_character=1)
    for generation in (1, 2, 3):
        model = ModelVersionFactory(generation=generation)
        dialogue = DialogueFactory(
            source=DialogueSource.HUMAN_MACHINE, model_version=model, status=DialogueStatus.ACCEPTED
        )
        add_turns(dialogue, [f"{line} gen {generation}" for line in LINES], first_speaker=Speaker.PLAYER)
    build = build_now({"model_generation_min": 2, "model_generation_max": 2})
    table = _all_turns(build)
    machine = table[table["source"] == "human_machine"]
    assert set(machine["model_generation"]) == {2}
    assert build.stats["by_source"] == {"human_machine": 1, "human_roleplay": 2}
    only = build_now({"sources": ["human_machine"]})
    assert only.stats["by_source"] == {"human_machine": 3}


def test_a_killed_running_build_can_be_retried_once_its_heartbeat_stops(
    corpus, build_now, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    spec = services.export_spec_create(data={"name": "killed"})
    build = services.export_build_create(spec=spec, enqueue=False)
    ExportBuild.objects.filter(pk=build.pk).update(status=BuildStatus.RUNNING, heartbeat_at=timezone.now())
    build.refresh_from_db()
    with pytest.raises(ValidationError):
        services.export_build_retry(build=build)  # still alive: refused
    assert services.export_build_run(build=build).status == BuildStatus.RUNNING  # a redelivered task leaves it
    ExportBuild.objects.filter(pk=build.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    build.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.export_build_retry(build=build)
    build.refresh_from_db()
    assert build.status == BuildStatus.PUBLISHED
