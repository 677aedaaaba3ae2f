"""Export pages: list and filter builds, define a spec and start a build, watch it, download it."""

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exports import selectors, services
from exports.archive import build_tar_stream
from exports.forms import ExportSpecForm
from exports.models import BuildStatus, ExportBuild, ExportSpec
from platform_core.permissions import requires_roles
from platform_core.roles import Role

EXPORTERS = (Role.ADMIN, Role.RESEARCHER)


@requires_roles(*EXPORTERS)
def build_list(request: HttpRequest) -> HttpResponse:
    spec_id = request.GET.get("spec", "")
    builds = selectors.builds_filtered(
        status=request.GET.get("status", ""),
        spec_id=int(spec_id) if spec_id.isdigit() else None,
        query=request.GET.get("q", "").strip(),
    )
    page = Paginator(builds, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "exports/build_list.html",
        {"page": page, "statuses": BuildStatus.choices, "specs": ExportSpec.objects.order_by("name", "id")[:200]},
    )


@requires_roles(*EXPORTERS)
def build_create(request: HttpRequest) -> HttpResponse:
    form = ExportSpecForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            spec = services.export_spec_create(data=dict(form.cleaned_data), created_by=request.user)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            build = services.export_build_create(spec=spec, creator=request.user)
            messages.success(request, _("Build queued."))
            return redirect("exports:build-detail", pk=build.pk)
    return render(request, "exports/build_form.html", {"form": form})


@requires_roles(*EXPORTERS)
def build_detail(request: HttpRequest, pk: int) -> HttpResponse:
    build = get_object_or_404(ExportBuild.objects.select_related("spec", "creator"), pk=pk)
    return render(
        request,
        "exports/build_detail.html",
        {
            "build": build,
            "files": sorted(build.files.items()),
            "split_warnings": split_warning_messages((build.stats or {}).get("split_warnings", [])),
            "running": build.status in (BuildStatus.QUEUED, BuildStatus.RUNNING),
        },
    )


def split_warning_messages(warnings: list[dict]) -> list[str]:
    messages_ = []
    for warning in warnings:
        values = {"split": warning["split"], "ratio": f"{warning['ratio']:g}", "share": f"{warning['share']:.0%}"}
        if warning["problem"] == "empty":
            messages_.append(_("The %(split)s split is empty although its ratio is %(ratio)s.") % values)
        else:
            messages_.append(
                _("The %(split)s split holds %(share)s of the dialogues, far from its ratio %(ratio)s.") % values
            )
    return messages_


@requires_roles(*EXPORTERS)
@require_POST
def build_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """A failed build is retried; a published one is built again as a new version of its spec."""
    build = get_object_or_404(ExportBuild, pk=pk)
    if build.status == BuildStatus.FAILED or build.is_stale:
        services.export_build_retry(build=build, actor=request.user)
        target = build
    elif build.is_published:
        target = services.export_build_create(spec=build.spec, creator=request.user)
    else:
        messages.error(request, _("This build is still running."))
        return redirect("exports:build-detail", pk=build.pk)
    messages.success(request, _("Build queued."))
    return redirect("exports:build-detail", pk=target.pk)


def _published(pk: int) -> ExportBuild:
    build = get_object_or_404(ExportBuild, pk=pk)
    if not build.is_published:
        raise Http404("This build is not published.")
    return build


@requires_roles(*EXPORTERS)
def build_download_file(request: HttpRequest, pk: int, name: str) -> FileResponse:
    build = _published(pk)
    if name != "manifest.json" and name not in build.files:
        raise Http404("No such file in this build.")  # only the manifest's files: no path tricks
    services.export_download_record(build=build, actor=request.user, path=name)
    return FileResponse(
        open(Path(build.directory) / name, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=f"troupe-v{build.version}-{name.replace('/', '-')}",
    )


@requires_roles(*EXPORTERS)
def build_download_archive(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    build = _published(pk)
    names = sorted([*build.files, "manifest.json"])
    services.export_download_record(build=build, actor=request.user, path="*")
    response = StreamingHttpResponse(
        build_tar_stream(Path(build.directory), names, prefix=f"troupe-v{build.version}"),
        content_type="application/x-tar",
    )
    response["Content-Disposition"] = f'attachment; filename="troupe-v{build.version}.tar"'
    return response
