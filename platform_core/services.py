from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from platform_core.celery import app as celery_app
from platform_core.models import AuditEvent, BlockStatus, RoleGrant, User, WorkerProfile
from platform_core.roles import Role


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: Iterable[str],
    display_name: str = "",
    languages: Iterable[str] = (),
    email: str = "",
    **qualifications: bool,
) -> User:
    roles = list(roles)
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {', '.join(sorted(unknown))}")
    user = User.objects.create_user(username=username, password=password, email=email)
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for role in roles])
    if Role.ADMIN in roles:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    WorkerProfile.objects.create(
        user=user, display_name=display_name or username, languages=list(languages), **qualifications
    )
    return user


@transaction.atomic
def roles_set(*, user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {', '.join(sorted(unknown))}")
    RoleGrant.objects.filter(user=user).exclude(role__in=wanted).delete()
    for role in wanted:
        RoleGrant.objects.get_or_create(user=user, role=role)
    user.is_staff = Role.ADMIN in wanted
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("role_codes", None)


@transaction.atomic
def worker_block(*, profile: WorkerProfile, status: str, reason: str, actor: User | None) -> WorkerProfile:
    if status not in BlockStatus.values:
        raise ValueError(f"Unknown block status {status!r}.")
    if status != BlockStatus.ACTIVE and not reason.strip():
        raise ValueError("Blocking a worker needs a reason.")
    previous = profile.block_status
    profile.block_status = status
    profile.block_reason = reason if status != BlockStatus.ACTIVE else ""
    profile.blocked_at = timezone.now() if status != BlockStatus.ACTIVE else None
    profile.full_clean()
    profile.save()
    audit_record(
        actor=actor, action=f"worker.{status}", target=profile.user, details={"reason": reason, "previous": previous}
    )
    return profile


def personal_data_refusal_record(*, user: User, where: str, kinds: list[str]) -> None:
    """Count a refusal for contact details on the worker's profile, and audit where and which kinds
    (never the text)."""
    if user is None or not user.is_authenticated:
        return
    with transaction.atomic():
        WorkerProfile.objects.filter(user=user).update(personal_data_refusals=F("personal_data_refusals") + 1)
        audit_record(actor=user, action="privacy.refused", target=user, details={"where": where, "kinds": kinds})


def audit_record(
    *, actor: User | None, action: str, target: object | None = None, details: dict | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "")) if target is not None else "",
        details=details or {},
    )


def celery_ping(*, timeout: float = 2.0) -> list[str]:
    """Names of the Celery workers that answered a ping within ``timeout`` seconds."""
    replies = celery_app.control.ping(timeout=timeout) or []
    return sorted(name for reply in replies for name in reply)
