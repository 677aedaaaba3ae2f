from django.http import HttpRequest

from platform_core.roles import Role


def roles(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    codes = user.role_codes if user is not None and user.is_authenticated else frozenset()
    return {"user_roles": codes, "user_role_labels": [role.label for role in Role if role in codes]}
