"""Load demo accounts, characters, accepted dialogues from all four sources and the ``demo``
evaluation campaign. Safe to re-run."""

from django.core.management.base import BaseCommand
from django.db import transaction

from annotation.models import LiteraryWork, SynthesisBatch
from evaluation.demo import demo_campaign_seed
from platform_core import demo_data
from platform_core.models import User
from platform_core.services import roles_set, user_create
from roleplay import services as corpus
from roleplay.models import (
    Character,
    CharacterPrompt,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    PlayerPersona,
    PromptKind,
    ReviewStatus,
    Speaker,
)
from training.models import ModelVersion

SOURCES = (
    DialogueSource.HUMAN_ROLEPLAY,
    DialogueSource.LLM_SYNTHESIS,
    DialogueSource.LITERARY,
    DialogueSource.HUMAN_MACHINE,
)


class Command(BaseCommand):
    help = "Create demo users (one per role), 20 characters and accepted dialogues from every source."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        users = self._users()
        characters = self._characters(users["admin"])
        personas = {
            lang: [self._persona(name, lang, desc) for name, plang, desc in demo_data.DEMO_PERSONAS if plang == lang]
            for lang in ("zh-hans", "en")
        }
        provenance = self._provenance(users["researcher"], users["admin"])
        created = 0
        for index, character in enumerate(characters):
            for script_index, (topic, topic_kind, lines) in enumerate(demo_data.DIALOGUE_SCRIPTS[character.language]):
                source = SOURCES[(index + script_index) % len(SOURCES)]
                persona = personas[character.language][(index + script_index) % 2]
                created += self._dialogue(character, persona, source, topic, topic_kind, lines, users, provenance)
        from workforce.demo import workforce_demo_seed

        workforce_demo_seed(users=users, external_ids=demo_data.DEMO_EXTERNAL_IDS)
        campaign = demo_campaign_seed(
            researcher=users["researcher"],
            evaluators=[users[name] for name in ("evaluator", "evaluator2", "evaluator3")],
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {len(characters)} characters, {created} new dialogues.")
        )
        if campaign is not None:
            self.stdout.write(f"Evaluation campaign '{campaign.slug}' with {campaign.assignments.count()} sessions.")
        self.stdout.write("Log in at http://127.0.0.1:8000/ with one of these accounts:")
        for username, roles, *_ in demo_data.DEMO_USERS:
            self.stdout.write(f"  {username:<13} password: {demo_data.DEMO_PASSWORD}   roles: {', '.join(roles)}")

    def _users(self) -> dict[str, User]:
        users = {}
        for username, roles, display_name, qualifications in demo_data.DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    username=username,
                    password=demo_data.DEMO_PASSWORD,
                    roles=roles,
                    display_name=display_name,
                    languages=["zh-hans", "en"],
                    **qualifications,
                )
            else:
                roles_set(user=user, roles=set(roles) | set(user.role_codes))
            users[username] = user
        return users

    def _characters(self, author: User) -> list[Character]:
        characters = []
        for (
            name,
            category,
            language,
            identity,
            interests,
            personality,
            catchphrases,
            greeting,
        ) in demo_data.DEMO_CHARACTERS:
            character = Character.objects.filter(name=name, language=language).first()
            if character is None:
                character = corpus.character_create(
                    author=author,
                    name=name,
                    category=category,
                    language=language,
                    identity=identity,
                    interests=interests,
                    personality=personality,
                    catchphrases=catchphrases,
                    greeting=greeting,
                )
                written = (
                    f"{name}是{identity}平时喜欢{interests}，性格{personality}。"
                    if language == "zh-hans"
                    else f"{name} is {identity[0].lower()}{identity[1:]} They love {interests.lower()} and are {personality}."
                )
                CharacterPrompt.objects.create(
                    character=character, kind=PromptKind.WRITTEN, text=written, review_status=ReviewStatus.ACCEPTED
                )
            characters.append(character)
        return characters

    def _persona(self, name: str, language: str, description: str) -> PlayerPersona:
        persona = PlayerPersona.objects.filter(name=name, language=language).first()
        return persona or corpus.persona_create(author=None, name=name, description=description, language=language)

    def _provenance(self, researcher: User, admin: User) -> dict:
        model, _ = ModelVersion.objects.get_or_create(
            name="demo-characterglm-gen1", defaults={"base_model": "characterglm-6b (external)", "generation": 1}
        )
        batch, _ = SynthesisBatch.objects.get_or_create(
            name="Demo GPT-4 synthesis batch", defaults={"llm_model": "gpt-4", "created_by": researcher}
        )
        work_fields = {k: v for k, v in demo_data.LITERARY_WORK.items() if k != "chapter"}
        work, _ = LiteraryWork.objects.get_or_create(
            title=work_fields.pop("title"), defaults={**work_fields, "uploaded_by": admin}
        )
        return {"model": model, "batch": batch, "work": work, "chapter": demo_data.LITERARY_WORK["chapter"]}

    def _dialogue(self, character, persona, source, topic, topic_kind, lines, users, provenance) -> int:
        if Dialogue.objects.filter(character=character, source=source, topic=topic).exists():
            return 0
        extra = {
            DialogueSource.HUMAN_ROLEPLAY: {
                "character_worker": users["crowdworker"],
                "player_worker": users["crowdworker2"],
                "creator": users["crowdworker"],
            },
            DialogueSource.LLM_SYNTHESIS: {"synthesis_batch": provenance["batch"], "creator": users["researcher"]},
            DialogueSource.LITERARY: {
                "literary_work": provenance["work"],
                "literary_chapter": provenance["chapter"],
                "creator": users["annotator"],
            },
            DialogueSource.HUMAN_MACHINE: {
                "model_version": provenance["model"],
                "player_worker": users["crowdworker"],
                "creator": users["crowdworker"],
            },
        }[source]
        dialogue = corpus.dialogue_create(
            character=character, source=source, player_persona=persona, topic=topic, topic_kind=topic_kind, **extra
        )
        script = [(Speaker.CHARACTER, character.greeting)] + [
            (Speaker.PLAYER if i % 2 == 0 else Speaker.CHARACTER, line.format(name=character.name))
            for i, line in enumerate(lines)
        ]
        human_authors = {Speaker.CHARACTER: extra.get("character_worker"), Speaker.PLAYER: extra.get("player_worker")}
        for speaker, text in script:
            if source == DialogueSource.HUMAN_MACHINE and speaker == Speaker.CHARACTER:
                author = {"author_model": provenance["model"]}
            else:
                author = {"author_user": human_authors[speaker]}
            original = None
            if source == DialogueSource.LLM_SYNTHESIS and speaker == Speaker.CHARACTER:
                # The written-style line the annotator rewrote into speech.
                original = (
                    f"诚然，{text}" if character.language == "zh-hans" else f"Indeed, {text[0].lower()}{text[1:]}"
                )
            corpus.turn_append(dialogue_id=dialogue.pk, speaker=speaker, text=text, original_text=original, **author)
        corpus.dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
        corpus.dialogue_set_status(
            dialogue=dialogue, status=DialogueStatus.ACCEPTED, note="demo data", quality_rating=4.0
        )
        return 1
