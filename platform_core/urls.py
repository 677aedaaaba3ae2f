from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from platform_core import api, views
from platform_core.app_routes import app_modules
from platform_core.permissions import PUBLIC

admin.site.site_header = "Troupe"


def _public_api(view_class):
    return type(view_class.__name__, (view_class,), {"required_roles": PUBLIC, "permission_classes": []})


urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.TroupeLoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("i18n/setlang/", views.public(set_language), name="set_language"),
    path("jsi18n/", views.public(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", _public_api(SpectacularAPIView).as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from a URL, so the page needs no inline script.
    path("api/docs/", _public_api(SpectacularSwaggerSplitView).as_view(url_name="api-schema"), name="api-docs"),
    # Redoc styles itself with <style> elements it creates at run time.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            _public_api(SpectacularRedocView).as_view(url_name="api-schema")
        ),
        name="api-redoc",
    ),
    path("api/me/", api.MeView.as_view(), name="api-me"),
    path("api/token/", api.TokenView.as_view(), name="api-token"),
    path("api/celery/ping/", api.CeleryPingView.as_view(), name="api-celery-ping"),
]
for app, module in app_modules("urls"):
    urlpatterns.append(path(f"{app}/", include(module)))
for app, module in app_modules("api_urls"):
    urlpatterns.append(path(f"api/{app}/", include(module)))
