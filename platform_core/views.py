from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from platform_core.home import capabilities_for
from platform_core.permissions import ANY_ROLE, PUBLIC, public, requires_roles

__all__ = ["TroupeLoginView", "healthz", "home", "logout_view", "public"]


@requires_roles(*ANY_ROLE)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "platform_core/home.html", {"sections": capabilities_for(request.user)})


class TroupeLoginView(LoginView):
    template_name = "platform_core/login.html"
    redirect_authenticated_user = True
    required_roles = PUBLIC


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@public
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
