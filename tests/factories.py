"""factory_boy factories for every app's models; import from here in any test."""

import factory
from factory.django import DjangoModelFactory

from platform_core.models import RoleGrant, User, WorkerProfile
from roleplay.models import (
    Character,
    CharacterCategory,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    Language,
    PlayerPersona,
    Speaker,
    Turn,
)
from training.models import ModelVersion

TEST_PASSWORD = "troupe-test-pw-1"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)
    profile = factory.RelatedFactory("tests.factories.WorkerProfileFactory", factory_related_name="user")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            RoleGrant.objects.create(user=self, role=role)
        self.is_staff = "admin" in (extracted or [])
        self.save()
        self.__dict__.pop("role_codes", None)


class WorkerProfileFactory(DjangoModelFactory):
    class Meta:
        model = WorkerProfile

    user = factory.SubFactory(UserFactory, profile=None)
    display_name = factory.LazyAttribute(lambda p: p.user.username.title())
    languages = factory.LazyFunction(lambda: ["zh-hans", "en"])


class CharacterFactory(DjangoModelFactory):
    class Meta:
        model = Character

    name = factory.Sequence(lambda n: f"Character {n}")
    category = CharacterCategory.DAILY_LIFE
    language = Language.EN
    identity = "A lighthouse keeper on a windy island."
    personality = "gentle"
    greeting = "Hello there, traveller."


class PlayerPersonaFactory(DjangoModelFactory):
    class Meta:
        model = PlayerPersona

    name = factory.Sequence(lambda n: f"Player {n}")
    description = "A curious visitor."
    language = Language.EN


class ModelVersionFactory(DjangoModelFactory):
    class Meta:
        model = ModelVersion

    name = factory.Sequence(lambda n: f"model-{n}")
    base_model = "/models/tiny"
    generation = 1


class DialogueFactory(DjangoModelFactory):
    class Meta:
        model = Dialogue

    source = DialogueSource.HUMAN_ROLEPLAY
    character = factory.SubFactory(CharacterFactory)
    player_persona = factory.SubFactory(PlayerPersonaFactory)
    language = factory.SelfAttribute("character.language")
    status = DialogueStatus.COLLECTING
    topic = "the weather"


class TurnFactory(DjangoModelFactory):
    """Give ``seq`` explicitly; the database refuses gaps."""

    class Meta:
        model = Turn

    dialogue = factory.SubFactory(DialogueFactory)
    seq = 1
    speaker = Speaker.CHARACTER
    text = factory.Sequence(lambda n: f"line {n}")


# --- annotation ----------------------------------------------------------------------------------


class SyntheticDialogueFactory(DialogueFactory):
    """A synthetic dialogue awaiting review; add turns with TurnFactory (seq from 1)."""

    source = DialogueSource.LLM_SYNTHESIS
    status = DialogueStatus.SUBMITTED
    synthesis_batch = factory.SubFactory("tests.factories.SynthesisBatchFactory")


class SynthesisBatchFactory(DjangoModelFactory):
    class Meta:
        model = "annotation.SynthesisBatch"

    name = factory.Sequence(lambda n: f"batch {n}")
    llm_model = "gpt-4"
    status = "completed"


class ExportSpecFactory(DjangoModelFactory):
    """An export spec with the defaults (accepted dialogues, 0.8/0.1/0.1, seed 0).

    For a published build in a test: ``exports.services.export_build_run(build=
    exports.services.export_build_create(spec=ExportSpecFactory(), enqueue=False))``.
    """

    class Meta:
        model = "exports.ExportSpec"

    name = factory.Sequence(lambda n: f"export spec {n}")
