from platform_core.models import User, WorkerProfile


def profile_of(user: User) -> WorkerProfile:
    """The worker profile, created on first use for accounts made outside ``user_create``."""
    profile, _ = WorkerProfile.objects.get_or_create(
        user=user, defaults={"display_name": user.get_full_name() or user.username}
    )
    return profile
