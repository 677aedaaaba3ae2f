"""The CharacterGLM loop end to end, offline on CPU with a tiny local model:

demo corpus → export build → training job (a few LoRA steps) → model version → deploy →
a human–machine round on the live chat (WebSocket) gets a streamed model reply stored with its
model version → the next export picks that human–machine dialogue up by generation.
"""

import copy
import os
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command

from exports.models import ExportBuild
from exports.services import export_build_create, export_build_run, export_spec_create
from roleplay.live.human_machine import hm_session_start
from roleplay.models import Character, Dialogue, DialogueSource, DialogueStatus, Turn
from roleplay.services import dialogue_set_status
from tests.roleplay.live_helpers import communicator, receive_until
from training.models import JobStatus, ModelVersion, TrainingMetric
from training.selectors import active_model_version
from training.services import model_version_deploy, model_version_update_serving, training_job_create, training_job_run

TRAIN_FAST = {"max_steps": 2, "batch_size": 4, "max_length": 256, "lora_r": 4, "lora_alpha": 8, "save_steps": 2}


def _published(spec_data: dict, researcher) -> ExportBuild:
    spec = export_spec_create(data=spec_data, created_by=researcher)
    build = export_build_run(build=export_build_create(spec=spec, creator=researcher, enqueue=False))
    assert build.is_published, build.error
    return build


async def _chat(user, session_id: int) -> list[dict]:
    """The worker's side of a round: open the live chat, propose a topic, one message, finish with a rating."""
    ws = communicator(user, f"/ws/roleplay/live/{session_id}/")
    connected, _ = await ws.connect()
    assert connected
    frames = [await ws.receive_json_from(timeout=10) for _ in range(2)]
    assert [f["type"] for f in frames] == ["welcome", "session"] and frames[0]["partner"] == "model"
    await ws.send_json_to({"type": "topic.propose", "topic": "the sea", "kind": "chit_chat"})
    frames.append(await receive_until(ws, "session", status="active", timeout=10))
    await ws.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "How is the sea today?"})
    while True:
        frame = await ws.receive_json_from(timeout=120)
        frames.append(frame)
        assert frame["type"] != "error", frame
        if frame["type"] == "turn" and frame["speaker"] == "character" and frame.get("model"):
            break
    await ws.send_json_to({"type": "finish", "rating": 4})
    frames.append(await receive_until(ws, "session", status="finished", timeout=10))
    await ws.disconnect()
    return frames


@pytest.mark.django_db(transaction=True)  # the consumer's database_sync_to_async closes connections
def test_demo_corpus_to_trained_deployed_model_whose_chats_feed_the_next_export(
    researcher, crowdworker, admin_user, tiny_model_dir, training_output, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIVE_MIN_TURNS = 3  # greeting, question, the model's answer
    if not os.environ.get("REDIS_URL"):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)  # a layer bound to this test's loop
    call_command("seed_demo", verbosity=0)
    first = _published(
        {"name": "round 1", "languages": ["en", "zh-hans"], "split": {"train": 0.8, "validation": 0.2, "test": 0.0}},
        researcher,
    )
    demo_generation = ModelVersion.objects.get(name="demo-characterglm-gen1").generation

    job = training_job_create(
        creator=researcher,
        export_build=first,
        base_model=str(tiny_model_dir),
        hyperparameters=TRAIN_FAST,
        enqueue=False,
    )
    job = training_job_run(job_id=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    version = job.model_version
    assert version.generation == demo_generation + 1  # the demo corpus holds generation-1 model chats
    assert (job.current_step, job.max_steps, job.progress) == (2, 2, 100.0)
    assert (version.export_build, version.method, version.hyperparameters["max_steps"]) == (first, "lora", 2)
    assert Path(version.weights_path, "adapter_config.json").exists()
    assert version.metrics["final_step"] == 2 and version.metrics["train_loss"] > 0
    assert f"# {version.name}" in version.model_card and f"Generation | {version.generation}" in version.model_card
    losses = list(TrainingMetric.objects.filter(job=job, event="log").order_by("step"))
    assert [m.step for m in losses] == [1, 2]
    assert all(m.loss is not None and m.tokens_per_s is not None for m in losses)
    assert Path(job.output_dir, "tensorboard").is_dir()

    model_version_update_serving(
        version=version,
        actor=researcher,
        generation_settings={"temperature": 0, "max_new_tokens": 8, "min_new_tokens": 8},
    )
    model_version_deploy(version=version, actor=researcher)
    assert active_model_version() == version

    character = Character.objects.filter(language="en").exclude(greeting="").first()
    session = hm_session_start(worker=crowdworker, character=character)
    frames = async_to_sync(_chat)(crowdworker, session.pk)

    kinds = [f["type"] for f in frames]
    assert kinds.index("ack") < kinds.index("stream")
    streams = [f for f in frames if f["type"] == "stream"]
    reply = next(f for f in frames if f["type"] == "turn" and f["speaker"] == "character")
    assert len(streams) >= 2  # token by token, not one block
    assert streams[-1]["text"].strip() == reply["text"] and reply["model"] is True
    assert frames[-1]["type"] == "session" and frames[-1]["open"] is False

    session.refresh_from_db()
    dialogue = session.dialogue
    assert (dialogue.source, dialogue.model_version, dialogue.status) == (
        DialogueSource.HUMAN_MACHINE,
        version,
        DialogueStatus.SUBMITTED,
    )
    assert dialogue.character_side_rating == 4
    stored = Turn.objects.get(dialogue=dialogue, seq=reply["seq"])
    assert stored.author_model == version and stored.author_user is None and stored.text == reply["text"]

    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.ACCEPTED, quality_rating=4.0)
    second = _published(
        {"name": "round 2", "sources": ["human_machine"], "model_generation_min": version.generation}, researcher
    )
    assert second.dialogue_count == 1
    rows = []
    for split in ("train", "validation", "test"):
        path = second.directory + f"/{split}/turns.parquet"
        rows += pq.read_table(path).to_pylist()
    model_rows = [r for r in rows if r["author_model"]]
    assert {r["dialogue_id"] for r in rows} == {dialogue.pk}
    assert {(r["author_model"], r["model_generation"]) for r in model_rows} == {(version.name, version.generation)}
    assert not Dialogue.objects.filter(source=DialogueSource.HUMAN_MACHINE, model_version__isnull=True).exists()
