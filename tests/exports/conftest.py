"""A small accepted corpus for export tests, and a MEDIA_ROOT of their own."""

import pytest

from exports import services
from roleplay.models import (
    CharacterCategory,
    CharacterPrompt,
    DialogueSource,
    DialogueStatus,
    PromptKind,
    ReviewStatus,
    Speaker,
    Turn,
)
from tests.factories import CharacterFactory, DialogueFactory, PlayerPersonaFactory

LINES = [
    "Good morning! The sea is calm today.",
    "Is it? I was worried about the storm.",
    "The storm passed in the night; the lamp kept burning.",
    "How do you keep it burning all night long?",
    "Oil, patience, and a kettle of strong tea.",
    "I would love to see the lamp room one day.",
]


def add_turns(dialogue, texts, first_speaker=Speaker.CHARACTER, worker=None):
    speakers = (first_speaker, Speaker.PLAYER if first_speaker == Speaker.CHARACTER else Speaker.CHARACTER)
    for index, text in enumerate(texts):
        Turn.objects.create(
            dialogue=dialogue,
            seq=index + 1,
            speaker=speakers[index % 2],
            text=text,
            author_user=worker if speakers[index % 2] == Speaker.PLAYER else None,
        )


def make_corpus(characters: int = 12, per_character: int = 2, category=CharacterCategory.DAILY_LIFE, worker=None):
    """``characters`` characters with ``per_character`` accepted dialogues each, all distinct."""
    made = []
    persona = PlayerPersonaFactory()
    for c in range(characters):
        character = CharacterFactory(category=category)
        CharacterPrompt.objects.create(
            character=character,
            kind=PromptKind.WRITTEN,
            text=f"You are {character.name}, who keeps a lighthouse. Speak warmly.",
            review_status=ReviewStatus.ACCEPTED,
        )
        for d in range(per_character):
            dialogue = DialogueFactory(
                character=character,
                player_persona=persona,
                status=DialogueStatus.ACCEPTED,
                source=DialogueSource.HUMAN_ROLEPLAY,
                quality_rating=4,
                player_worker=worker,
            )
            add_turns(dialogue, [f"{line} ({character.name}, talk {d}, #{c})" for line in LINES], worker=worker)
            made.append(dialogue)
    return made


@pytest.fixture(autouse=True)
def eager_celery():
    """Run queued builds in-process, whatever the environment's Celery settings say."""
    from platform_core.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(task_always_eager=before[0], task_eager_propagates=before[1])


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    """Progress events go to an in-memory layer unless the run names a real Redis."""
    if not settings.REDIS_URL.startswith(("redis://", "rediss://")):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def export_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def corpus(db):
    return make_corpus()


@pytest.fixture
def build_now():
    """Create a spec from ``data`` and run its build synchronously (no task)."""

    def build(data: dict | None = None, creator=None, **kwargs):
        spec = services.export_spec_create(data={"name": "test corpus", **(data or {})}, created_by=creator)
        build = services.export_build_create(spec=spec, creator=creator, enqueue=False)
        return services.export_build_run(build=build, **kwargs)

    return build


def edited_or_fresh(rng, base: str, alphabet: str, fresh_max: int) -> str:
    """A turn for near-duplicate tests: ``base`` with up to 3 random edits (70 %), else fresh text."""
    chars = list(base)
    for _ in range(rng.randint(0, 3)):
        if chars and rng.random() < 0.5:
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        else:
            chars.insert(rng.randint(0, len(chars)), rng.choice(alphabet))
    fresh = "".join(rng.choice(alphabet) for _ in range(rng.randint(4, fresh_max)))
    return "".join(chars) if rng.random() < 0.7 else fresh
