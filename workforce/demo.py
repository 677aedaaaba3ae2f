"""Demo workforce content for ``seed_demo``: rates, onboarding quizzes, a study link, external ids,
and reviewed work with ledger rows, so that payouts and earnings pages have something to show."""

from datetime import date, timedelta

from django.utils import timezone

from platform_core.models import User
from workforce.models import (
    EntryKind,
    ExternalPlatform,
    Onboarding,
    QuizQuestion,
    Study,
    UnitKind,
    UnitState,
    WorkerExternalId,
)
from workforce.services.ledger import ledger_credit, piece_rate_set
from workforce.services.review import ReviewDecision, unit_review
from workforce.services.units import unit_open, unit_submit

RATES = {
    UnitKind.LIVE_CHARACTER: "1.80", UnitKind.LIVE_PLAYER: "1.50", UnitKind.REWRITE_REVIEW: "0.60", UnitKind.DIALOGUE_REVIEW: "0.40",
    UnitKind.EXTRACTION: "0.90", UnitKind.PROMPT_WRITING: "0.70", UnitKind.PROMPT_VARIANTS: "0.30",
    UnitKind.EVALUATION_SESSION: "2.00", UnitKind.EVALUATION_BATCH: "1.20",
}
# qualification: (title en, title zh, instructions en, instructions zh)
ONBOARDINGS = {
    "play_character": ("Playing a character", "扮演角色",
                       "You speak as the character: stay in their voice, use their catchphrases, never mention "
                       "that you are a worker or a model.",
                       "你以角色的身份说话：保持角色的语气，使用其口头禅，不要提到你是标注员或模型。"),
    "play_player": ("Playing the player", "扮演用户",
                    "You are the player: chat freely with the character about a topic you both choose.",
                    "你是用户：与角色就双方选定的话题自由聊天。"),
}
# (text en, text zh, choices en, choices zh, correct, explanation en, explanation zh, attention check)
QUESTIONS = (
    ("The player asks whether you are an AI. What do you do?", "用户问你是不是AI，你怎么做？",
     ["Say that I am a crowdworker", "Answer as the character would"], ["说明我是众包工作者", "按角色的方式回答"], 1,
     "Stay in character: answer as the character would.", "保持角色：按角色的方式回答。", False),
    ("How long should a turn usually be?", "一轮发言通常多长？",
     ["One or two spoken sentences", "A full page"], ["一两句口语", "一整页"], 0,
     "Spoken dialogue is short.", "口语对话很简短。", False),
    ("To show you are reading, choose the second answer.", "为表明你在认真阅读，请选择第二个答案。",
     ["First", "Second"], ["第一个", "第二个"], 1, "This was an attention check.", "这是注意力检查。", True),
)


def workforce_demo_seed(*, users: dict[str, User], external_ids: dict[str, str]) -> int:
    """Idempotent: returns the number of new ledger rows."""
    for kind, amount in RATES.items():
        piece_rate_set(kind=kind, amount=amount, effective_from=date(2024, 1, 1))
    for code, (title_en, title_zh, text_en, text_zh) in ONBOARDINGS.items():
        onboarding, created = Onboarding.objects.get_or_create(qualification=code, defaults={
            "title_en": title_en, "title_zh": title_zh, "instructions_en": text_en, "instructions_zh": text_zh,
            "pass_threshold": "0.66", "max_attempts": 3, "cooldown_minutes": 30})
        if created:
            for order, (q_en, q_zh, c_en, c_zh, right, e_en, e_zh, check) in enumerate(QUESTIONS):
                QuizQuestion.objects.create(onboarding=onboarding, order=order, text_en=q_en, text_zh=q_zh,
                                            choices_en=c_en, choices_zh=c_zh, correct_index=right,
                                            explanation_en=e_en, explanation_zh=e_zh, attention_check=check)
    Study.objects.get_or_create(slug="demo-study", defaults={
        "name": "Troupe demo study", "qualifications": ["play_player"], "required_units": 1,
        "completion_code": "TROUPE-DEMO-OK", "failed_attention_code": "TROUPE-DEMO-FAILED", "quota": 100})
    for username, external_id in external_ids.items():
        if username in users:
            WorkerExternalId.objects.get_or_create(worker=users[username], platform=ExternalPlatform.PROLIFIC,
                                                   defaults={"external_id": external_id})
    return _reviewed_work(users)


def _reviewed_work(users: dict[str, User]) -> int:
    """Evaluation-session units reviewed three ways (on subject ids no session has, so that they stay
    apart from the demo campaign's own sessions, which the units sync turns into units), a bonus and
    waiting credits."""
    admin, new_rows = users["admin"], 0
    submitted = timezone.now() - timedelta(days=2)
    plan = [("crowdworker", 1, UnitState.APPROVED, "excellent", "Lively and in character."),
            ("crowdworker", 2, UnitState.APPROVED, "", ""),
            ("crowdworker2", 3, UnitState.APPROVED, "", ""),
            ("crowdworker2", 4, UnitState.REJECTED, "quality", "Answers were one word long."),
            ("annotator", 5, UnitState.SOFT_REJECTED, "off_task", "Please read the instructions again."),
            ("crowdworker", 6, UnitState.SUBMITTED, "", "")]
    for username, subject, decision, reason, message in plan:
        unit = unit_open(worker=users[username], kind=UnitKind.EVALUATION_SESSION, subject_id=900000 + subject,
                         started_at=submitted - timedelta(minutes=12))
        if unit.state == UnitState.IN_PROGRESS:
            unit = unit_submit(unit=unit, active_seconds=660, submitted_at=submitted)
        if decision != UnitState.SUBMITTED and unit.state == UnitState.SUBMITTED:
            unit_review(unit_id=unit.pk, review=ReviewDecision(decision, reason, message), reviewer=admin)
            new_rows += 1
    for username in ("crowdworker", "crowdworker2"):
        _row, created = ledger_credit(worker=users[username], kind=EntryKind.WAITING, amount="0.35", seconds=420,
                                      idempotency_key=f"demo:waiting:{username}", created_at=submitted)
        new_rows += created
    _row, created = ledger_credit(worker=users["crowdworker"], kind=EntryKind.BONUS, amount="0.50", actor=admin,
                                  reason="Demo bonus for a lively session", idempotency_key="demo:bonus:crowdworker",
                                  created_at=submitted)
    return new_rows + created
