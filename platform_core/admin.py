from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from platform_core.admin_lean import LeanAdminMixin, LeanModelAdmin
from platform_core.models import AuditEvent, RoleGrant, User, WorkerProfile
from platform_core.permissions import has_role
from platform_core.roles import Role


def _admin_site_has_permission(request) -> bool:
    return has_role(request.user, (Role.ADMIN,))


# The Django admin is for platform admins, decided by the same role helper as every other page.
admin.site.has_permission = _admin_site_has_permission
admin.site.site_title = "Troupe admin"


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


class WorkerProfileInline(admin.StackedInline):
    model = WorkerProfile
    can_delete = False


@admin.register(User)
class TroupeUserAdmin(LeanAdminMixin, UserAdmin):
    inlines = [RoleGrantInline, WorkerProfileInline]
    list_display = ("username", "email", "roles_display", "is_active", "date_joined")
    list_filter = ("role_grants__role", "is_active", "profile__block_status")

    @admin.display(description="roles")
    def roles_display(self, user: User) -> str:
        return ", ".join(sorted(user.role_codes))


@admin.register(WorkerProfile)
class WorkerProfileAdmin(LeanModelAdmin):
    list_display = (
        "display_name",
        "user",
        "block_status",
        "can_play_character",
        "can_play_player",
        "can_review_rewrites",
        "personal_data_refusals",
    )
    readonly_fields = ("personal_data_refusals",)
    list_filter = (
        "block_status",
        "can_play_character",
        "can_play_player",
        "can_review_rewrites",
        "can_extract_literary",
    )
    search_fields = ("display_name", "user__username", "block_reason")


@admin.register(AuditEvent)
class AuditEventAdmin(LeanModelAdmin):
    list_display = ("created_at", "actor", "action", "target_type", "target_id")
    list_filter = ("action", "target_type")
    search_fields = ("action", "target_id", "actor__username")
    readonly_fields = ("created_at", "actor", "action", "target_type", "target_id", "details")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
