"""Matchmaker benchmark: how long the real matchmaker takes to pair a crowd that is already waiting.

    python bench/match_bench.py --workers 1000 [--characters 200] --json OUT

Makes its own database next to ``DATABASE_URL`` (PostgreSQL: ``<name>_matchbench``, dropped
afterwards; unset: a temporary SQLite file), creates ``--workers`` crowdworkers (half may play the
character, half the player, queued in alternating order, two languages), ``--characters``
characters over the four categories, and queues every worker through ``queue_join``. Then it runs
``matchmaker_run()`` until a pass pairs nobody and reports the wall time, the passes and the pairs.

Baseline in the same run: ``LiveSession.objects.bulk_create`` of the same number of sessions
(the rows alone, no queue, no choice of character). Match frames go out on ``REDIS_URL`` (a private
redis-server when unset): the floor any matchmaker pays for writing
its sessions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from chat_load import prepare_environment  # noqa: E402 - after the path is set


def create_crowd(workers: int, characters: int) -> list:
    from platform_core.models import RoleGrant, User, WorkerProfile
    from platform_core.roles import Role
    from roleplay.models import Character, CharacterCategory, Language, PlayerPersona

    languages = [Language.EN, Language.ZH_HANS]
    categories = list(CharacterCategory.values)
    Character.objects.bulk_create(
        [
            Character(
                name=f"Bench character {i}",
                category=categories[i % len(categories)],
                language=languages[i % 2],
                identity="Keeps a lighthouse.",
                greeting="Ahoy!",
            )
            for i in range(characters)
        ]
    )
    PlayerPersona.objects.bulk_create(
        [PlayerPersona(name=f"Visitor {i}", language=languages[i % 2]) for i in range(10)]
    )
    users = User.objects.bulk_create([User(username=f"match-{i}", password="!") for i in range(workers)])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.CROWDWORKER) for u in users])
    WorkerProfile.objects.bulk_create(
        [
            WorkerProfile(
                user=u,
                display_name=u.username,
                # Pairs of neighbours share a language; every fifth worker speaks both.
                languages=["en", "zh-hans"] if i % 5 == 0 else [languages[(i // 2) % 2]],
                can_play_character=i % 2 == 0,
                can_play_player=i % 2 == 1,
            )
            for i, u in enumerate(users)
        ]
    )
    return users


def run(workers: int, characters: int) -> dict:
    from django.db import transaction

    from roleplay.live import matchmaking, queue
    from roleplay.models import Character, LiveSession, MatchQueueEntry, PlayerPersona, QueueEntryStatus

    users = create_crowd(workers, characters)
    from channels.layers import get_channel_layer
    from django.urls import reverse

    # A running server has its URLconf and channel layer loaded (Redis client imported): here too.
    reverse("roleplay:live-chat", args=[1])
    get_channel_layer()
    started = time.perf_counter()
    for i, user in enumerate(users):
        queue.queue_join(worker=user, side="character" if i % 2 == 0 else "player")
    queue_s = time.perf_counter() - started

    started = time.perf_counter()
    passes, pairs, pass_times = 0, 0, []
    while True:
        pass_started = time.perf_counter()
        made = matchmaking.matchmaker_run()
        pass_times.append(time.perf_counter() - pass_started)
        passes += 1
        pairs += len(made)
        if not made:
            break
    match_s = time.perf_counter() - started
    still_waiting = MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING).count()

    # Baseline: the session rows alone, in one bulk insert, rolled back.
    character, persona = Character.objects.first(), PlayerPersona.objects.first()
    from django.utils import timezone

    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        LiveSession.objects.bulk_create(
            [
                LiveSession(
                    character=character,
                    player_persona=persona,
                    character_worker=users[2 * i],
                    player_worker=users[2 * i + 1],
                    join_deadline=now,
                )
                for i in range(pairs)
            ]
        )
        baseline_s = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "workers": workers,
        "characters": characters,
        "queue_join_s": round(queue_s, 3),
        "pairs": pairs,
        "still_waiting": still_waiting,
        "passes": passes,
        "match_s": round(match_s, 3),
        "slowest_pass_s": round(max(pass_times), 3),
        "baseline_bulk_insert_s": round(baseline_s, 3),
        "ratio": round(match_s / baseline_s, 1) if baseline_s else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--characters", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    env = prepare_environment(keep_db=False, suffix="matchbench")
    try:
        os.environ.update(
            {
                "DATABASE_URL": env.database_url,
                "TROUPE_VAR_DIR": str(env.var_dir),
                "DEBUG": "0",
                "SECRET_KEY": "match-bench",
                "REDIS_URL": env.redis_url,
                "CHANNEL_LAYER_PREFIX": f"matchbench{os.getpid()}",
            }
        )
        os.environ.pop("TROUPE_TESTING", None)
        import subprocess

        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=os.environ, check=True
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
        import django

        django.setup()
        result = run(args.workers, args.characters)
        result["database"] = "postgresql" if env.database_url.startswith("postgres") else "sqlite"
        from django.db import connection

        connection.close()
    finally:
        env.close()
    print(f"\nmatch_bench: {result['workers']} waiting workers, {result['database']}")
    print(f"  {'pairs made':<28}{result['pairs']:>10}   (still waiting {result['still_waiting']})")
    print(
        f"  {'matchmaker wall s':<28}{result['match_s']:>10}   in {result['passes']} passes, slowest {result['slowest_pass_s']} s"
    )
    print(f"  {'baseline: bulk insert s':<28}{result['baseline_bulk_insert_s']:>10}   ratio {result['ratio']}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
        print(f"  wrote {args.json}")


if __name__ == "__main__":
    main()
