from decimal import Decimal

import pytest
from django.urls import reverse

from annotation import qc, selectors
from annotation.models import AnnotationTask, GoldStandard, TaskKind, TaskStatus
from annotation.services.review import dialogue_review_submit
from annotation.services.task_queue import dialogue_review_tasks_create, task_claim_next
from platform_core.roles import Role
from tests.factories import SyntheticDialogueFactory, TurnFactory

pytestmark = pytest.mark.django_db


def test_krippendorff_alpha_matches_the_published_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units.
    n = None
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    units = list(zip(*coders, strict=True))
    assert qc.krippendorff_alpha(units, qc.nominal_distance) == pytest.approx(0.743, abs=1e-3)
    assert qc.krippendorff_alpha(units, qc.interval_distance) == pytest.approx(0.849, abs=1e-3)
    assert qc.krippendorff_alpha([[3, 3], [3, 3]]) is None  # no variation: undefined


def test_normalised_edit_distance():
    assert qc.normalised_edit_distance("kitten", "sitting") == pytest.approx(3 / 7)
    assert qc.normalised_edit_distance("", "") == 0.0
    assert qc.normalised_edit_distance("abc", "xyz") == 1.0


@pytest.fixture
def reviewers(make_user):
    return [make_user(Role.ANNOTATOR, profile__can_review_rewrites=True) for _ in range(2)]


def reviewed_dialogue(reviewers, decisions, ratings, rewrites):
    dialogue = SyntheticDialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="您好，请问您是哪位？")
    turn = TurnFactory(dialogue=dialogue, seq=2, speaker="character", text="在下乃本店掌柜。")
    dialogue_review_tasks_create(dialogue=dialogue, reviews=2)
    for user, decision, rating, rewrite in zip(reviewers, decisions, ratings, rewrites, strict=True):
        task = task_claim_next(user=user, kind=TaskKind.REWRITE_REVIEW)
        dialogue_review_submit(
            task=task, user=user, decision=decision, reason="" if decision == "accept" else "生硬", rating=rating,
            texts={turn.pk: rewrite},
        )  # fmt: skip
    return dialogue


def test_quality_page_shows_agreement_and_worker_statistics(client, admin_user, reviewers, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    reviewed_dialogue(reviewers, ["accept", "accept"], [4, 5], ["我是这儿的掌柜。", "我是这家店的掌柜。"])
    reviewed_dialogue(reviewers, ["reject", "reject"], [1, 2], ["我是掌柜。", "我是掌柜。"])
    agreement = selectors.review_agreement()
    assert agreement["dialogues"] == 2
    assert agreement["alpha_decisions"] == 1.0
    assert 0 < agreement["alpha_ratings"] <= 1
    assert agreement["rewrite_pairs"] == 2 and 0 < agreement["rewrite_distance"] < 1
    client.force_login(admin_user)
    page = client.get(reverse("annotation:quality"))
    assert page.status_code == 200
    rows = {row["user"].username: row for row in page.context["stats"]}
    assert rows[reviewers[0].username]["done"] == 2
    assert rows[reviewers[0].username]["agreement"] == 1.0


def test_admin_blocks_an_annotator_from_the_quality_page_and_their_work_is_requeued(
    client, admin_user, reviewers, settings
):
    settings.ANNOTATION_GOLD_RATE = 0
    SyntheticDialogueFactory()
    dialogue = SyntheticDialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="hi")
    dialogue_review_tasks_create(dialogue=dialogue, reviews=1)
    held = task_claim_next(user=reviewers[0], kind=TaskKind.REWRITE_REVIEW)
    client.force_login(admin_user)
    assert client.post(reverse("annotation:worker-block", args=[reviewers[0].pk]), {"reason": ""}).status_code == 302
    held.refresh_from_db()
    assert held.status == TaskStatus.CLAIMED  # no reason, no block
    client.post(reverse("annotation:worker-block", args=[reviewers[0].pk]), {"reason": "spam"})
    held.refresh_from_db()
    assert held.status == TaskStatus.OPEN
    assert task_claim_next(user=reviewers[1], kind=TaskKind.REWRITE_REVIEW).pk == held.pk


def test_admin_turns_a_settled_dialogue_into_a_gold_task(client, admin_user, reviewers, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = reviewed_dialogue(reviewers, ["reject", "reject"], [1, 1], ["x", "y"])
    client.force_login(admin_user)
    client.post(reverse("annotation:gold-create"), {"kind": "rewrite_review", "subject": str(dialogue.pk)})
    gold = GoldStandard.objects.get()
    assert gold.answer == {"decision": "reject"} and gold.dialogue == dialogue
    unsettled = SyntheticDialogueFactory()
    client.post(reverse("annotation:gold-create"), {"kind": "rewrite_review", "subject": str(unsettled.pk)})
    assert GoldStandard.objects.count() == 1


def test_only_admins_see_quality_control(client, annotator, researcher):
    for user in (annotator, researcher):
        client.force_login(user)
        assert client.get(reverse("annotation:quality")).status_code == 403


def test_api_claims_and_releases_tasks_and_refuses_unqualified(client, reviewers, annotator, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = SyntheticDialogueFactory()
    dialogue_review_tasks_create(dialogue=dialogue, reviews=1)
    client.force_login(reviewers[0])
    response = client.post("/api/annotation/tasks/claim/", {"kind": "rewrite_review"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["dialogue"] == dialogue.pk
    assert client.get("/api/annotation/tasks/").json()["count"] == 1
    task_id = response.json()["id"]
    assert client.post(f"/api/annotation/tasks/{task_id}/release/").status_code == 204
    assert AnnotationTask.objects.get(pk=task_id).status == TaskStatus.OPEN
    bad = client.post("/api/annotation/tasks/claim/", {"kind": "nonsense"}, content_type="application/json")
    assert bad.status_code == 400 and "kind" in bad.json()
    client.force_login(annotator)
    refused = client.post("/api/annotation/tasks/claim/", {"kind": "rewrite_review"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_qualified"


def test_api_batch_creation_validates_fields(client, researcher, annotator):
    client.force_login(researcher)
    response = client.post(
        "/api/annotation/batches/", {"name": "x", "categories": ["aliens"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "categories" in response.json() and "characters_per_category" in response.json()
    client.force_login(annotator)
    assert client.get("/api/annotation/batches/").status_code == 403


def test_admin_never_echoes_a_provider_key_and_blank_keeps_it(client, admin_user):
    from annotation.models import LLMProvider

    provider = LLMProvider.objects.create(name="openai", base_url="https://api.example.com/v1", api_key="sk-secret")
    client.force_login(admin_user)
    url = reverse("admin:annotation_llmprovider_change", args=[provider.pk])
    page = client.get(url)
    assert page.status_code == 200 and "sk-secret" not in page.content.decode()
    form = {
        "name": "openai", "base_url": "https://api.example.com/v1", "api_key": "", "default_model": "gpt-4",
        "requests_per_minute": 60, "timeout_s": 60, "max_retries": 4, "price_prompt_per_1k": "0.03",
        "price_completion_per_1k": "0.06",
    }  # fmt: skip
    assert client.post(url, form).status_code == 302
    provider.refresh_from_db()
    assert provider.api_key == "sk-secret" and provider.price_prompt_per_1k == Decimal("0.03")


def test_admin_unblocks_a_blocked_annotator_from_the_quality_page_and_the_unblock_is_audited(
    client, admin_user, reviewers, settings
):
    from platform_core.models import AuditEvent, BlockStatus
    from platform_core.selectors import profile_of

    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = SyntheticDialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="hi")
    dialogue_review_tasks_create(dialogue=dialogue, reviews=1)
    worker = reviewers[0]
    client.force_login(admin_user)
    client.post(reverse("annotation:worker-block", args=[worker.pk]), {"reason": "spam"})
    page = client.get(reverse("annotation:quality"))
    assert [profile.user for profile in page.context["blocked"]] == [worker]
    assert reverse("annotation:worker-unblock", args=[worker.pk]) in page.content.decode()

    response = client.post(reverse("annotation:worker-unblock", args=[worker.pk]), {"note": "appeal accepted"})
    assert response.status_code == 302
    assert profile_of(worker).block_status == BlockStatus.ACTIVE and profile_of(worker).block_reason == ""
    event = AuditEvent.objects.filter(action="worker.active").get()
    assert (event.actor, event.target_id) == (admin_user, str(worker.pk))
    assert event.details == {"reason": "appeal accepted", "previous": BlockStatus.BLOCKED}
    assert task_claim_next(user=worker, kind=TaskKind.REWRITE_REVIEW) is not None
    assert list(client.get(reverse("annotation:quality")).context["blocked"]) == []


def test_unblocking_a_worker_who_is_not_blocked_is_refused_and_records_nothing(client, admin_user, reviewers):
    from platform_core.models import AuditEvent

    client.force_login(admin_user)
    response = client.post(reverse("annotation:worker-unblock", args=[reviewers[0].pk]), follow=True)
    assert "is not blocked" in response.content.decode()
    assert not AuditEvent.objects.filter(action="worker.active").exists()


def test_only_admins_may_unblock(client, reviewers):
    from platform_core.models import BlockStatus
    from platform_core.selectors import profile_of
    from platform_core.services import worker_block

    worker_block(profile=profile_of(reviewers[0]), status=BlockStatus.SOFT_BLOCKED, reason="abandoned", actor=None)
    client.force_login(reviewers[1])
    assert client.post(reverse("annotation:worker-unblock", args=[reviewers[0].pk])).status_code == 403
    assert profile_of(reviewers[0]).block_status == BlockStatus.SOFT_BLOCKED
