from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_core.roles import Role


class User(AbstractUser):
    """A Troupe account. What it may do is decided by its roles, never by ad-hoc flags."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_perm(self, perm, obj=None) -> bool:
        # Platform admins manage everything in the Django admin through their role.
        if self.is_active and Role.ADMIN in self.role_codes:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_active and Role.ADMIN in self.role_codes:
            return True
        return super().has_module_perms(app_label)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="role_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role}"


class BlockStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SOFT_BLOCKED = "soft_blocked", _("Soft-blocked")
    BLOCKED = "blocked", _("Blocked")


class WorkerProfile(models.Model):
    """What a worker can do on the platform, and whether they may do it now."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=80)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Language codes, e.g. zh-hans, en.")
    )
    can_play_character = models.BooleanField(_("can play character"), default=False)
    can_play_player = models.BooleanField(_("can play player"), default=False)
    can_review_rewrites = models.BooleanField(_("can review rewrites"), default=False)
    can_extract_literary = models.BooleanField(_("can extract literary dialogues"), default=False)
    can_write_prompts = models.BooleanField(_("can write character prompts"), default=False)
    can_evaluate = models.BooleanField(_("can evaluate models"), default=False)
    block_status = models.CharField(
        _("block status"), max_length=20, choices=BlockStatus.choices, default=BlockStatus.ACTIVE
    )
    block_reason = models.TextField(_("block reason"), blank=True)
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    personal_data_refusals = models.PositiveIntegerField(
        _("personal data refusals"),
        default=0,
        help_text=_("Messages, rewrites and prompts refused because they carried contact details."),
    )

    class Meta:
        verbose_name = _("worker profile")
        verbose_name_plural = _("worker profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(block_status=BlockStatus.ACTIVE) | ~models.Q(block_reason=""),
                name="block_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.user.username

    @property
    def is_blocked(self) -> bool:
        return self.block_status == BlockStatus.BLOCKED

    @property
    def is_soft_blocked(self) -> bool:
        return self.block_status == BlockStatus.SOFT_BLOCKED

    @property
    def qualifications(self) -> list[str]:
        names = [
            "can_play_character",
            "can_play_player",
            "can_review_rewrites",
            "can_extract_literary",
            "can_write_prompts",
            "can_evaluate",
        ]
        return [name for name in names if getattr(self, name)]


class AuditEvent(models.Model):
    """Who did what, when: builds, downloads, deployments, blocks."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events")
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"
