"""Literary extraction: upload and scan a work, then turn confirmed candidates into dialogues."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from annotation.extraction import Chapter, UndecodableText, decode_text, detect_candidates, epub_text, split_chapters
from annotation.extraction.llm import attribute_uncertain
from annotation.llm import ChatClient, LLMError, client_for
from annotation.models import (
    AnnotationTask,
    ExtractionCandidate,
    LiteraryChapter,
    LiteraryWork,
    LLMProvider,
    TaskKind,
    WorkStatus,
)
from annotation.services.task_queue import TaskRefused, task_for_worker, task_submit
from platform_core.models import User
from platform_core.progress import progress_publish
from platform_core.services import audit_record
from platform_core.validation import upload_size_error
from roleplay.models import (
    ATTRIBUTE_FIELDS,
    Character,
    CharacterCategory,
    CharacterSource,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    PlayerPersona,
    Speaker,
)
from roleplay.prompting import profile_text
from roleplay.services import character_create, dialogue_create, dialogue_set_status, persona_create, turn_append


@transaction.atomic
def work_upload(
    *,
    title: str,
    language: str,
    filename: str,
    data: bytes,
    uploader: User | None,
    author: str = "",
    licence_note: str = "",
    llm_provider: LLMProvider | None = None,
) -> LiteraryWork:
    """Decode an uploaded work (or refuse it with a clear error) and queue its scan.

    With ``llm_provider`` the scan also asks that LLM about the speakers the rules leave uncertain.
    Refused: a file over ``UPLOAD_MAX_BYTES``, an EPUB that unpacks to more than
    ``EPUB_MAX_UNPACKED_BYTES``, text that splits into more than ``LITERARY_WORK_MAX_CHAPTERS``.
    """
    if reason := upload_size_error(len(data)):
        raise ValidationError({"file": reason})
    try:
        if filename.lower().endswith(".epub"):
            text, encoding = epub_text(data), "epub"
        else:
            decoded = decode_text(data)
            text, encoding = decoded.text, decoded.encoding
    except UndecodableText as error:
        raise ValidationError({"file": str(error)}) from error
    if not text.strip():
        raise ValidationError({"file": _("The file holds no text.")})
    chapters = len(split_chapters(text))
    if chapters > settings.LITERARY_WORK_MAX_CHAPTERS:
        raise ValidationError(
            {
                "file": _("The text splits into %(count)d chapters; the limit is %(limit)d.")
                % {"count": chapters, "limit": settings.LITERARY_WORK_MAX_CHAPTERS}
            }
        )
    work = LiteraryWork(
        title=title,
        author=author,
        language=language,
        licence_note=licence_note,
        uploaded_by=uploader,
        text=text.replace("\r\n", "\n"),
        original_filename=filename[:300],
        detected_encoding=encoding,
        status=WorkStatus.UPLOADED,
        llm_provider=llm_provider,
    )
    work.full_clean()
    work.save()
    audit_record(actor=uploader, action="literary.upload", target=work, details={"encoding": encoding})
    from annotation import tasks

    transaction.on_commit(lambda: tasks.literary_work_scan.delay(work.pk))
    return work


def _chapter_candidates(work: LiteraryWork, chapter: Chapter, client: ChatClient | None) -> tuple[list, str]:
    """The candidates of one chapter, with the LLM's speakers for uncertain lines when asked;
    and why the LLM could not be used, if it failed."""
    text = work.text[chapter.start : chapter.end]
    candidates = detect_candidates(text)
    if client is None:
        return candidates, ""
    try:
        attribute_uncertain(text, candidates, client=client)
    except LLMError as error:
        return candidates, str(error)
    return candidates, ""


def literary_work_scan(*, work_id: int) -> LiteraryWork:
    """Split a work into chapters and turn every candidate passage into an extraction task.

    Detection (and the optional LLM pass, which can take minutes) runs before the transaction
    that replaces the work's chapters and candidates.
    """
    work = LiteraryWork.objects.select_related("llm_provider").get(pk=work_id)
    topic = f"work-{work.pk}"
    LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.SCANNING, error="")
    if work.candidates.filter(tasks__isnull=False).exists():
        # Tasks already point at these candidates (a repeated task delivery): keep them.
        LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.READY)
        work.refresh_from_db()
        return work
    note, client = "", None
    if work.llm_provider:
        try:
            client = client_for(work.llm_provider)
        except LLMError as error:
            note = _("Speakers were attributed without the LLM: %(error)s") % {"error": error}
    try:
        chapters = split_chapters(work.text)
        found = []
        for index, chapter in enumerate(chapters):
            candidates, llm_error = _chapter_candidates(work, chapter, client)
            if llm_error:
                client = None  # a failing provider is not asked again for the next chapters
                note = _("Speakers were attributed without the LLM: %(error)s") % {"error": llm_error}
            found.append((chapter, candidates))
            progress_publish(topic=topic, percent=100.0 * (index + 1) / len(chapters), message=chapter.title)
        with transaction.atomic():
            work.candidates.all().delete()
            work.chapters.all().delete()
            for index, (chapter, candidates) in enumerate(found):
                stored_chapter = LiteraryChapter.objects.create(
                    work=work, index=index, title=chapter.title, start=chapter.start, end=chapter.end
                )
                for candidate in candidates:
                    stored = ExtractionCandidate.objects.create(
                        work=work,
                        chapter=stored_chapter,
                        start=chapter.start + candidate.start,
                        end=chapter.start + candidate.end,
                        lines=candidate.as_json()["lines"],
                    )
                    AnnotationTask.objects.create(kind=TaskKind.EXTRACTION, candidate=stored)
    except Exception as error:
        # Recorded for the work page, then re-raised so the worker logs the traceback.
        LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.FAILED, error=str(error)[:2000])
        raise
    else:
        LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.READY, error=note[:2000])
    work.refresh_from_db()
    return work


@dataclass
class PartyProfile:
    """One side of an extracted dialogue: an existing character, or the fields of a new one."""

    name: str
    existing: Character | None = None
    category: str = CharacterCategory.DAILY_LIFE
    fields: dict[str, Any] = dc_field(default_factory=dict)
    create_new: bool = False  # the annotator confirmed a new character of this name


LINE_ROLES = ("a", "b", "drop")


def _party_character(party: PartyProfile, work: LiteraryWork, user: User, path: str) -> Character:
    if party.existing is not None:
        return party.existing
    if not party.create_new:
        raise TaskRefused(
            "unconfirmed_character",
            _("Pick the existing character for “%(name)s”, or confirm that it is a new character.")
            % {"name": party.name},
            field=f"{path}_create",
        )
    fields = {key: value for key, value in party.fields.items() if key in PROFILE_FORM_FIELDS}
    try:
        return character_create(
            author=user,
            name=party.name,
            category=party.category,
            language=work.language,
            source=CharacterSource.LITERARY,
            **fields,
        )
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        raise TaskRefused("bad_profile", _("; ").join(messages), field=f"{path}_{field_name}") from None


PROFILE_FORM_FIELDS = (*ATTRIBUTE_FIELDS, "personality", "stylistic_features", "catchphrases", "greeting")


def _kept_lines(
    candidate: ExtractionCandidate, roles: list[str], texts: list[str], party_a: PartyProfile, party_b: PartyProfile
) -> list[tuple[str, str]]:
    """The ``(role, text)`` lines of the two parties, or a refusal naming the bad input."""
    if len(roles) != len(candidate.lines) or len(texts) != len(candidate.lines):
        raise TaskRefused("bad_lines", _("Every line needs a speaker choice."), field="roles")
    if any(role not in LINE_ROLES for role in roles):
        raise TaskRefused("bad_role", _("A line's speaker must be party A, party B or dropped."), field="roles")
    kept = [(role, text.strip()) for role, text in zip(roles, texts, strict=True) if role != "drop"]
    if any(not text for _role, text in kept):
        raise TaskRefused("empty_line", _("A kept line is empty."), field="texts")
    if {role for role, _ in kept} != {"a", "b"}:
        raise TaskRefused("not_two_party", _("Keep lines from both party A and party B."), field="roles")
    for party, path in ((party_a, "a"), (party_b, "b")):
        party.name = (party.existing.name if party.existing else party.name).strip()
        if not party.name:
            raise TaskRefused("name_required", _("Name both parties."), field=f"{path}_name")
    if party_a.name == party_b.name and (party_a.existing is None or party_a.existing == party_b.existing):
        raise TaskRefused("same_party", _("Party A and party B must be different people."), field="b_name")
    return kept


def _literary_dialogue_store(
    *,
    candidate: ExtractionCandidate,
    user: User,
    kept: list[tuple[str, str]],
    character_a: Character,
    character_b: Character,
    topic: str,
) -> Dialogue:
    """Store the kept lines as a submitted dialogue of ``character_a`` with ``character_b`` as the player."""
    work = candidate.work
    persona = PlayerPersona.objects.filter(name=character_b.name, language=character_b.language).first()
    if persona is None:
        persona = persona_create(
            author=user,
            name=character_b.name,
            description=profile_text(character_b),
            language=character_b.language,
        )
    dialogue = dialogue_create(
        character=character_a,
        source=DialogueSource.LITERARY,
        literary_work=work,
        literary_chapter=candidate.chapter.title[:200],
        player_persona=persona,
        topic=topic[:200],
        creator=user,
        status=DialogueStatus.COLLECTING,
    )
    # Consecutive lines of one speaker form one turn, as in the other corpus sources.
    joiner = "" if work.language == "zh-hans" else " "
    merged: list[tuple[str, str]] = []
    for role, text in kept:
        if merged and merged[-1][0] == role:
            merged[-1] = (role, merged[-1][1] + joiner + text)
        else:
            merged.append((role, text))
    for role, text in merged:
        turn_append(dialogue_id=dialogue.pk, speaker=Speaker.CHARACTER if role == "a" else Speaker.PLAYER, text=text)
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
    return dialogue


@transaction.atomic
def extraction_submit(
    *,
    task: AnnotationTask,
    user: User,
    roles: list[str],
    texts: list[str],
    party_a: PartyProfile,
    party_b: PartyProfile,
    topic: str = "",
) -> AnnotationTask:
    """Turn a confirmed candidate into a two-party ``Dialogue(source=literary)``.

    ``roles[i]`` says who speaks candidate line ``i``: party ``a`` (stored as the character),
    party ``b`` (the player side), or ``drop`` (narration or a third party).
    """
    task = (
        AnnotationTask.objects.select_for_update(of=("self",))
        .select_related("candidate__work", "candidate__chapter")
        .get(pk=task.pk)
    )
    task_for_worker(task=task, user=user)
    candidate = task.candidate
    kept = _kept_lines(candidate, roles, texts, party_a, party_b)
    result: dict[str, Any] = {
        "roles": roles,
        "texts": [text.strip() for text in texts],
        "party_a": party_a.name,
        "party_b": party_b.name,
    }
    if task.gold_id:
        answer = task.gold.answer.get("roles", [])
        task.gold_score = sum(a == b for a, b in zip(answer, roles, strict=False)) / max(len(answer), 1)
        task_submit(task=task, result=result)
        return task
    character_a = _party_character(party_a, candidate.work, user, "a")
    character_b = _party_character(party_b, candidate.work, user, "b")
    dialogue = _literary_dialogue_store(
        candidate=candidate, user=user, kept=kept, character_a=character_a, character_b=character_b, topic=topic
    )
    result.update({"dialogue_id": dialogue.pk, "character_a_id": character_a.pk, "character_b_id": character_b.pk})
    task_submit(task=task, result=result)
    return task


@transaction.atomic
def extraction_discard(*, task: AnnotationTask, user: User, reason: str) -> AnnotationTask:
    """The candidate holds no usable two-party dialogue."""
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    if not reason.strip():
        raise TaskRefused("reason_required", _("Say why the passage is unusable."), field="reason")
    if task.gold_id:
        task.gold_score = 1.0 if task.gold.answer.get("discarded") else 0.0
    task_submit(task=task, result={"discarded": True, "reason": reason.strip()})
    return task
