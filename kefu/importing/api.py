"""Imports under /api/v1/imports: supervisors and administrators upload shop exports.

Authentication is the API's own (kefu.accounts.api_auth, set on the NinjaAPI instance).
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from kefu.accounts.api_auth import request_actor, request_ip
from kefu.accounts.permissions import Capability, permission_require

from .enums import ImportKind, ImportVia
from .models import ImportRun
from .services import import_run_execute, import_run_messages

router = Router(tags=["imports"])


class ImportErrorOut(Schema):
    line: int
    reason: str
    message: str


class ImportRunOut(Schema):
    id: int | None
    kind: str
    file_name: str
    status: str
    via: str
    dry_run: bool
    encoding: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float
    rows_total: int
    rows_per_second: float
    created_count: int
    updated_count: int
    rejected_count: int
    message: str
    details: dict
    errors: list[ImportErrorOut]


def _summary(run: ImportRun) -> dict:
    messages = import_run_messages(run=run)
    return {
        "id": run.pk,
        "kind": run.kind,
        "file_name": run.file_name,
        "status": run.status,
        "via": run.via,
        "dry_run": bool(run.details.get("dry_run")),
        "encoding": run.encoding,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_seconds": round(run.duration_seconds, 3),
        "rows_total": run.rows_total,
        "rows_per_second": round(run.rows_per_second, 1),
        "created_count": run.created_count,
        "updated_count": run.updated_count,
        "rejected_count": run.rejected_count,
        "message": run.message,
        "details": run.details,
        "errors": [{**error, "message": message} for error, message in zip(run.errors, messages, strict=True)],
    }


@router.get("", response=list[ImportRunOut], summary="List recent imports")
def import_run_list(request: HttpRequest):
    """List the 50 most recent imports, newest first."""
    permission_require(request_actor(request), Capability.DATA_IMPORT)
    return [_summary(run) for run in ImportRun.objects.select_related("user")[:50]]


@router.get("/{int:run_id}", response=ImportRunOut, summary="Get an import")
def import_run_get(request: HttpRequest, run_id: int):
    permission_require(request_actor(request), Capability.DATA_IMPORT)
    return _summary(get_object_or_404(ImportRun, pk=run_id))


@router.post("/{kind}", response=ImportRunOut, summary="Import a file")
def import_run_create(
    request: HttpRequest,
    kind: ImportKind,
    file: File[UploadedFile],
    mapping: File[UploadedFile] | None = None,
    encoding: Form[Literal["auto", "utf-8", "gbk"]] = "auto",
    platform: Form[Literal["taobao", "jd", "pinduoduo", "douyin", "shop"]] = "taobao",
    dry_run: Form[bool] = False,
):
    """Upload a CSV (UTF-8 or GBK) or XLSX export as multipart `file`; optional `mapping` JSON file.

    Runs the import and returns its summary. Rejected rows are listed with their line numbers;
    `status` is `succeeded`, `partial` (some rows rejected) or `failed` (the file could not be
    read: see `message`). A dry run checks and counts but writes nothing (`id` is null).
    """
    actor = request_actor(request)
    run = import_run_execute(
        kind=kind,
        file=file.file,
        file_name=file.name or "upload",
        user=actor,
        via=ImportVia.API,
        mapping=mapping.file if mapping is not None else None,
        encoding=encoding,
        dry_run=dry_run,
        platform=platform,
        ip_address=request_ip(request),
    )
    return _summary(run)
