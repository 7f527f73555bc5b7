"""The import over the API (auth matrix) and on the admin upload page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from kefu.accounts.models import AuditLog
from kefu.importing.enums import ImportStatus
from kefu.importing.models import ImportRun
from kefu.orders.models import Order

from .test_import import GOOD_ORDERS, ORDER_HEADER

pytestmark = pytest.mark.django_db


def csv_bytes(rows) -> bytes:
    lines = [",".join(ORDER_HEADER), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def upload(name="orders.csv", rows=GOOD_ORDERS):
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


def post_import(api_client, kind="orders", **data):
    # multipart: the ApiClient's JSON default content type must not apply
    client = api_client.client
    return client.post(f"/api/v1/imports/{kind}", {"file": upload(), **data}, headers=api_client.headers)


def test_api_without_token_is_401(api_client_for):
    assert post_import(api_client_for(None)).status_code == 401
    assert api_client_for(None).get("/api/v1/imports/1").status_code == 401
    assert Order.objects.count() == 0


def test_api_agent_is_403(api_client_for, agent):
    client = api_client_for(agent)
    assert post_import(client).status_code == 403
    assert client.get("/api/v1/imports").status_code == 403
    assert Order.objects.count() == 0


@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
def test_api_supervisor_and_admin_import_and_read_the_run(api_client_for, role, request):
    user = request.getfixturevalue(role)
    client = api_client_for(user)

    response = post_import(client)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["rows_total"], body["created_count"], body["rejected_count"], body["via"]) == ("succeeded", 3, 2, 0, "api")
    run = ImportRun.objects.get(pk=body["id"])
    assert run.user == user
    assert AuditLog.objects.filter(action="import", actor=user, via="api").count() == 1
    fetched = client.get(f"/api/v1/imports/{run.pk}")
    assert fetched.status_code == 200 and fetched.json()["created_count"] == 2
    assert client.get("/api/v1/imports").json()[0]["id"] == run.pk
    assert client.get("/api/v1/imports/999999").status_code == 404


def test_api_reports_bad_rows_with_lines(api_client_for, supervisor):
    client = api_client_for(supervisor)
    bad = [*GOOD_ORDERS, ["", "tb_x", "1", "0", "1", "1", "交易成功", "", "", "", "2026-03-02 10:00", "", "T", "1", "", ""]]

    response = client.client.post(
        "/api/v1/imports/orders", {"file": upload(rows=bad)}, headers={**client.headers, "Accept-Language": "en"}
    )

    body = response.json()
    assert (body["status"], body["rejected_count"]) == ("partial", 1)
    assert body["errors"] == [{"line": 5, "reason": "订单编号 is missing", "message": "line 5: 订单编号 is missing"}]


def test_api_dry_run_writes_nothing(api_client_for, admin_user):
    response = post_import(api_client_for(admin_user), dry_run="true")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["dry_run"], response.json()["created_count"]) == (None, True, 2)
    assert (Order.objects.count(), ImportRun.objects.count()) == (0, 0)


def test_api_unknown_kind_is_refused(api_client_for, admin_user):
    response = post_import(api_client_for(admin_user), kind="tickets")
    assert response.status_code in (404, 422)
    assert Order.objects.count() == 0


def test_api_missing_file_is_422(api_client_for, admin_user):
    client = api_client_for(admin_user)
    response = client.client.post("/api/v1/imports/orders", {}, headers=client.headers)
    assert response.status_code == 422


def test_admin_upload_page_runs_the_import_and_shows_the_summary(admin_user):
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/importing/importrun/upload/").status_code == 200
    assert b"upload/" in client.get("/admin/importing/importrun/").content  # the "Import a file" button
    bad = [*GOOD_ORDERS, ["", "tb_x", "1", "0", "1", "1", "交易成功", "", "", "", "2026-03-02 10:00", "", "T", "1", "", ""]]

    with translation.override("en"):
        response = client.post(
            "/admin/importing/importrun/upload/",
            {"kind": "orders", "file": upload(rows=bad), "encoding": "auto", "platform": "taobao"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert (run.status, run.created_count, run.rejected_count, run.via, run.user) == (ImportStatus.PARTIAL, 2, 1, "admin", admin_user)
    page = response.content.decode()
    assert 'class="created-count">2<' in page and 'class="rejected-count">1<' in page
    assert "订单编号" in page and "line 5:" in page
    detail = client.get(f"/admin/importing/importrun/{run.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200 and "line 5:" in detail.content.decode()


def test_admin_upload_page_is_refused_to_agents(agent):
    agent.is_staff = True
    agent.save()
    client = Client()
    client.force_login(agent)
    response = client.get("/admin/importing/importrun/upload/")
    assert response.status_code == 403


def test_admin_upload_with_chinese_interface_does_not_crash(admin_user):
    client = Client()
    client.force_login(admin_user)
    bad = [["", "tb_x", "1", "0", "1", "1", "交易成功", "", "", "", "2026-03-02 10:00", "", "T", "1", "", ""]]
    response = client.post(
        "/admin/importing/importrun/upload/",
        {"kind": "orders", "file": upload(rows=bad), "encoding": "auto", "platform": "taobao"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert ImportRun.objects.get().rejected_count == 1
