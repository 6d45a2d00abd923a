"""Dataset pages: plain function views over the selectors and services.

Upload forms work without JavaScript; static/js/upload.js adds a progress bar by
posting the same form with XMLHttpRequest, and then gets JSON back (a redirect
target, or the form's errors to show in place).
"""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import exporters, importers, selectors, services
from .forms import ColumnForm, DatasetCreateForm, DatasetEditForm, DiffForm, ShareForm, VersionUploadForm
from .uploads import max_upload_bytes, too_large_message, upload_too_large

PAGE_SIZE = 25
PREVIEW_ROWS = 10


def download_response(export):
    """A streamed download of a services.Export (the API serves downloads the same way)."""
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _detail_url(dataset, anchor=""):
    return reverse("datasets:detail", args=[dataset.pk]) + (f"#{anchor}" if anchor else "")


# --- Uploads -------------------------------------------------------------------------------------


def _from_script(request):
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _import_error_text(exc):
    text = str(exc)
    if exc.column is not None and str(exc.column) not in exc.message:
        text += f" (column {exc.column})"
    return text


def _read_upload(request, form):
    """Validate an upload form and read its file: the table, or None with the errors on the form."""
    if upload_too_large(request):
        form.is_valid()
        form.errors["file"] = form.error_class([too_large_message()])
        return None
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    try:
        return importers.read_file(upload, upload.name)
    except importers.ImportFailed as exc:
        form.add_error("file", _import_error_text(exc))
        return None


def _upload_context(**context):
    return {
        "max_upload_mb": settings.BIOSTAT_MAX_UPLOAD_MB,
        "max_upload_bytes": max_upload_bytes(),
        **context,
    }


def _upload_failed(request, template, context):
    status = 413 if upload_too_large(request) else 400
    if _from_script(request):
        errors = {
            field: [error["message"] for error in errs]
            for field, errs in context["form"].errors.get_json_data().items()
        }
        return JsonResponse({"detail": "The upload was not stored.", "errors": errors}, status=status)
    return render(request, template, _upload_context(**context), status=status)


def _upload_done(request, url):
    return JsonResponse({"redirect": url}) if _from_script(request) else redirect(url)


# --- Pages ---------------------------------------------------------------------------------------


@login_required
def dataset_list(request):
    search = request.GET.get("search", "").strip()
    datasets = selectors.datasets_visible_to(request.user, search=search).select_related("creator")
    page = Paginator(datasets, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_caller_permissions(request.user, page.object_list)
    return render(request, "datasets/list.html", {"page": page, "search": search})


@login_required
def dataset_create(request):
    if request.method != "POST":
        return render(request, "datasets/create.html", _upload_context(form=DatasetCreateForm()))
    form = DatasetCreateForm(request.POST, request.FILES)
    table = _read_upload(request, form)
    if table is None:
        return _upload_failed(request, "datasets/create.html", {"form": form})
    fields = form.cleaned_data
    dataset = services.dataset_create(
        request.user,
        name=fields["name"],
        description=fields["description"],
        note=fields["note"],
        table=table,
        request=request,
    )
    messages.success(
        request,
        f"Dataset “{dataset.name}” created: {dataset.row_count:,} rows, {len(dataset.columns)} columns.",
    )
    return _upload_done(request, _detail_url(dataset))


@login_required
def dataset_new_version(request, pk):
    dataset = selectors.dataset_get(request.user, pk, "change")
    if request.method != "POST":
        return render(
            request, "datasets/new_version.html", _upload_context(form=VersionUploadForm(), dataset=dataset)
        )
    form = VersionUploadForm(request.POST, request.FILES)
    table = _read_upload(request, form)
    if table is None:
        return _upload_failed(request, "datasets/new_version.html", {"form": form, "dataset": dataset})
    dataset, created = services.dataset_add_version(
        request.user, dataset, table=table, note=form.cleaned_data["note"], request=request
    )
    if created:
        messages.success(request, f"Version {dataset.version} stored: {dataset.row_count:,} rows.")
    else:
        messages.info(
            request,
            f"The file's content equals version {dataset.version}, the current one; "
            "no new version was created.",
        )
    return _upload_done(request, _detail_url(dataset, "versions"))


def _cell_text(value):
    """A preview cell as the exports write it: ISO dates, lower-case booleans, exact decimals."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _detail_context(request, dataset, *, edited_column=None, column_form=None, share_form=None):
    allowed = set(dataset.caller_permissions)
    versions = list(selectors.dataset_versions(dataset))
    dictionary = []
    for column in dataset.columns:
        form = None
        if "change" in allowed:
            form = column_form if column["name"] == edited_column else ColumnForm(initial=column)
        dictionary.append((column, form))
    context = {"dataset": dataset, "allowed": allowed, "versions": versions, "dictionary": dictionary}
    if len(versions) > 1:
        context["diff_form"] = DiffForm(
            initial={"from_version": versions[1].version, "to_version": versions[0].version}
        )
    if "share" in allowed:
        # Your own grant and the creator's cannot be changed here (services.dataset_share says why).
        fixed = {request.user.pk, dataset.creator_id}
        context["grants"] = [
            (grant, not (grant.kind == "user" and grant.principal.pk in fixed))
            for grant in selectors.dataset_grants(dataset)
        ]
        context["share_form"] = share_form or ShareForm()
    if "export" in allowed:
        rows = services.dataset_preview(request.user, dataset, limit=PREVIEW_ROWS, request=request)
        context["preview"] = {
            "columns": rows.column_names,
            "rows": [[_cell_text(value) for value in row.values()] for row in rows.to_pylist()],
        }
        context["formats"] = exporters.FORMATS
    return context


@login_required
def dataset_detail(request, pk):
    dataset = selectors.dataset_get(request.user, pk)
    return render(request, "datasets/detail.html", _detail_context(request, dataset))


@login_required
def dataset_edit(request, pk):
    dataset = selectors.dataset_get(request.user, pk, "change")
    initial = {"name": dataset.name, "description": dataset.description}
    form = DatasetEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.dataset_update(request.user, dataset, **form.cleaned_data, request=request)
            messages.success(request, "Dataset details saved.")
            return redirect(_detail_url(dataset))
        return render(request, "datasets/edit.html", {"dataset": dataset, "form": form}, status=400)
    return render(request, "datasets/edit.html", {"dataset": dataset, "form": form})


@login_required
@require_POST
def column_edit(request, pk, name):
    dataset = selectors.dataset_get(request.user, pk, "change")
    if dataset.column(name) is None:
        raise Http404(f"This dataset has no column named {name!r}.")
    form = ColumnForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, dataset, edited_column=name, column_form=form)
        return render(request, "datasets/detail.html", context, status=400)
    services.column_update(request.user, dataset, name, **form.cleaned_data, request=request)
    messages.success(request, f"Column “{name}” saved.")
    return redirect(_detail_url(dataset, "dictionary"))


@login_required
@require_POST
def dataset_share(request, pk):
    dataset = selectors.dataset_get(request.user, pk, "share")
    form = ShareForm(request.POST)
    if form.is_valid():
        principal = form.cleaned_data["principal"]
        try:
            result = services.dataset_share(
                request.user, dataset, principal, form.cleaned_data["permissions"], request=request
            )
        except services.ShareRefused as exc:
            form.add_error(None, str(exc))
        else:
            held = ", ".join(result) if result else "no permissions any more"
            messages.success(
                request, f"{form.cleaned_data['kind'].capitalize()} “{principal}” now has: {held}."
            )
            return redirect(_detail_url(dataset, "sharing"))
    return render(
        request, "datasets/detail.html", _detail_context(request, dataset, share_form=form), status=400
    )


@login_required
@require_POST
def dataset_restore(request, pk, number):
    dataset = selectors.dataset_get(request.user, pk, "change")
    dataset, created = services.dataset_restore(request.user, dataset, number, request=request)
    if created:
        messages.success(request, f"Version {number} restored as version {dataset.version}.")
    else:
        messages.info(request, f"Version {number} has the current content already; nothing changed.")
    return redirect(_detail_url(dataset, "versions"))


@login_required
def dataset_diff(request, pk):
    dataset = selectors.dataset_get(request.user, pk)
    form = DiffForm(request.GET or None)
    diff = None
    if form.is_bound and form.is_valid():
        try:
            diff = selectors.dataset_diff(
                dataset, form.cleaned_data["from_version"], form.cleaned_data["to_version"]
            )
        except Http404 as exc:
            form.add_error(None, str(exc))
    context = {"dataset": dataset, "form": form, "diff": diff}
    return render(request, "datasets/diff.html", context, status=400 if form.is_bound and not diff else 200)


@login_required
def dataset_download(request, pk):
    dataset = selectors.dataset_get(request.user, pk, "export")
    fmt = request.GET.get("format", "csv")
    version = request.GET.get("version", "")
    if fmt not in exporters.FORMATS or not (version == "" or version.isdigit()):
        return HttpResponseBadRequest(
            f"Choose a format among {', '.join(exporters.FORMATS)} and a version number."
        )
    try:
        export = services.dataset_export(
            request.user, dataset, fmt=fmt, version=int(version) if version else None, request=request
        )
    except exporters.ExportFailed as exc:
        messages.error(request, f"That download is not possible: {exc}.")
        return redirect(_detail_url(dataset, "data"))
    return download_response(export)


@login_required
def dataset_delete(request, pk):
    dataset = selectors.dataset_get(request.user, pk, "delete")
    if request.method == "POST":
        try:
            services.dataset_delete(request.user, dataset, request=request)
        except services.DatasetInUse as exc:
            messages.error(request, str(exc))
            return redirect(_detail_url(dataset))
        messages.success(request, f"Dataset “{dataset.name}” deleted.")
        return redirect("datasets:list")
    return render(request, "datasets/delete.html", {"dataset": dataset})
