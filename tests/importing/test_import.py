"""The import of shop exports: formats, grouping, bad rows, idempotence, mapping, dry run, CLI."""

import csv
import datetime
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kefu.accounts.models import AuditLog
from kefu.catalog.models import Product
from kefu.customers.models import Customer, CustomerIdentity
from kefu.importing.enums import ImportStatus
from kefu.importing.models import ImportRun
from kefu.importing.services import import_run_execute, import_run_messages
from kefu.orders.enums import OrderStatus
from kefu.orders.models import Order, OrderItem

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

ORDER_HEADER = ["订单编号", "买家会员名", "买家应付货款", "买家应付邮费", "总金额", "买家实际支付金额", "订单状态", "收货人姓名",
                "收货地址", "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝数量", "商家编码", "价格"]  # fmt: skip
GOOD_ORDERS = [
    ["1001", "tb_alice", "200.00", "10", "210", "210", "交易成功", "张三", "浙江省杭州市西湖区", "13800000001", "2026-03-01 12:00:00", "2026/3/1 12:05", "连衣裙", "1", "SKU-1", "120"],
    ["1001", "tb_alice", "", "", "", "", "交易成功", "", "", "", "", "", "围巾", "2", "SKU-2", "40"],
    ["1002", "tb_bob", "￥59.00", "0", "59", "0", "等待买家付款", "李四", "上海市浦东新区", "13900000002", "2026/3/2 9:30", "", "T恤", "1", "SKU-3", ""],
]  # fmt: skip


def write_csv(path, header, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(path, kind="orders", language="en", **options):
    """Import a file; reasons are written in the language active during the import."""
    with path.open("rb") as handle, translation.override(language):
        return import_run_execute(kind=kind, file=handle, file_name=path.name, **options)


def errors_by_line(run):
    with translation.override("en"):
        return {error["line"]: error["reason"] for error in run.errors}


def test_taobao_order_export_with_chinese_headers_groups_item_rows_into_orders(tmp_path):
    run = run_import(write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS))

    assert (run.status, run.rows_total, run.created_count, run.updated_count, run.rejected_count) == (ImportStatus.SUCCEEDED, 3, 2, 0, 0)
    order = Order.objects.get(number="1001")
    assert order.status == OrderStatus.COMPLETED
    assert (order.total_amount, order.shipping_fee, order.paid_amount) == (Decimal("200.00"), Decimal("10.00"), Decimal("210.00"))
    assert order.placed_at == datetime.datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI)
    assert order.paid_at == datetime.datetime(2026, 3, 1, 12, 5, tzinfo=SHANGHAI)
    assert sorted(order.items.values_list("title", "sku", "quantity", "unit_price")) == [
        ("围巾", "SKU-2", 2, Decimal("40.00")),
        ("连衣裙", "SKU-1", 1, Decimal("120.00")),
    ]
    unpaid = Order.objects.get(number="1002")
    assert (unpaid.status, unpaid.total_amount, unpaid.paid_amount) == (OrderStatus.UNPAID, Decimal("59.00"), Decimal("0.00"))
    assert unpaid.items.get().unit_price == Decimal("59.00")  # one item without a price: the goods amount
    alice = CustomerIdentity.objects.get(platform="taobao", external_id="tb_alice").customer
    assert (alice.name, alice.phone) == ("张三", "13800000001")
    assert CustomerIdentity.objects.filter(customer=alice, platform="phone", external_id="13800000001").exists()
    assert run.details["customers_created"] == 2


def test_one_audit_row_per_run_not_per_row(tmp_path, admin_user):
    run = run_import(write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS), user=admin_user)

    audit = AuditLog.objects.get(action="import")
    assert (audit.actor, audit.object_id, audit.changes["created"], audit.changes["kind"]) == (admin_user, str(run.pk), 2, "orders")
    stored = ImportRun.objects.get()
    assert (stored.user, stored.kind, stored.file_name, stored.finished_at is not None) == (admin_user, "orders", "orders.csv", True)


def test_gbk_file_is_detected_and_read(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", ORDER_HEADER, GOOD_ORDERS, encoding="gbk")

    run = run_import(path)

    assert (run.created_count, run.rejected_count, run.encoding) == (2, 0, "gb18030")
    assert Order.objects.get(number="1002").receiver_name == "李四"


def test_utf8_file_with_bom_is_read(tmp_path):
    path = write_csv(tmp_path / "bom.csv", ORDER_HEADER, GOOD_ORDERS, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    run = run_import(path)

    assert (run.created_count, run.rejected_count) == (2, 0)


def test_gbk_forced_on_a_utf8_file_fails_with_a_clear_message(tmp_path):
    path = write_csv(tmp_path / "utf8.csv", ORDER_HEADER, GOOD_ORDERS)

    with translation.override("en"):
        run = run_import(path, encoding="utf-8")
        assert run.status == ImportStatus.SUCCEEDED
        gbk_path = write_csv(tmp_path / "gbk.csv", ORDER_HEADER, GOOD_ORDERS, encoding="gbk")
        failed = run_import(gbk_path, encoding="utf-8")

    assert failed.status == ImportStatus.FAILED
    assert failed.message == "The file is not valid UTF-8 text; choose the right encoding."


def test_xlsx_with_excel_datetimes_and_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(ORDER_HEADER)
    sheet.append(["2001", "tb_carol", 99.5, 0, 99.5, 99.5, "卖家已发货，等待买家确认", "王五", "北京市", 13700000003,
                  datetime.datetime(2026, 3, 5, 8, 30), datetime.datetime(2026, 3, 5, 8, 31), "保温杯", 1, "SKU-9", 99.5])  # noqa: DTZ001 - Excel cells are naive  # fmt: skip
    sheet.append([None] * len(ORDER_HEADER))  # blank rows are skipped
    sheet.append(["2002", "tb_carol", "", 0, "", "", "交易关闭", "王五", "北京市", "", 46090.5, None, "水杯", 1, "", 10])
    path = tmp_path / "orders.xlsx"
    workbook.save(path)

    run = run_import(path)

    assert (run.created_count, run.rejected_count) == (2, 0), run.errors
    order = Order.objects.get(number="2001")
    assert (order.status, order.total_amount, order.placed_at) == (OrderStatus.SHIPPED, Decimal("99.50"), datetime.datetime(2026, 3, 5, 8, 30, tzinfo=SHANGHAI))
    assert CustomerIdentity.objects.get(platform="phone", external_id="13700000003").customer == order.customer
    closed = Order.objects.get(number="2002")
    assert closed.placed_at == datetime.datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI)  # Excel serial 46090.5
    assert (closed.customer, closed.total_amount, closed.paid_amount) == (order.customer, Decimal("10.00"), Decimal("0.00"))


def test_bad_rows_are_reported_with_their_line_and_reason_and_good_rows_import(tmp_path):
    rows = [
        GOOD_ORDERS[0],  # line 2
        ["", "tb_x", "50", "0", "50", "50", "交易成功", "王", "北京", "13900000009", "2026-03-02 10:00", "", "T恤", "1", "", ""],  # 3
        ["3001", "tb_x", "abc", "0", "50", "50", "交易成功", "王", "北京", "13900000009", "2026-03-02 10:00", "", "T恤", "1", "", ""],  # 4
        ["3002", "tb_x", "50", "0", "50", "50", "交易成功", "王", "北京", "13900000009", "2026-13-02 10:00", "", "T恤", "1", "", ""],  # 5
        ["3003", "tb_x", "50", "0", "50", "50", "神秘状态", "王", "北京", "13900000009", "2026-03-02 10:00", "", "T恤", "1", "", ""],  # 6
        ["3004", "tb_x", "50", "0", "50", "60", "交易成功", "王", "北京", "13900000009", "2026-03-02 10:00", "", "T恤", "1", "", ""],  # 7
        ["3005", "tb_y", "80", "0", "80", "80", "交易成功", "赵", "广州", "13900000010", "2026-03-03 10:00", "", "帽子", "1", "", ""],  # 8
        ["3005", "tb_y", "", "", "", "", "交易成功", "", "", "", "", "", "袜子", "0", "", ""],  # 9: bad quantity spoils order 3005
        GOOD_ORDERS[2],  # line 10
    ]
    run = run_import(write_csv(tmp_path / "bad.csv", ORDER_HEADER, rows))

    assert (run.status, run.rows_total, run.created_count, run.rejected_count) == (ImportStatus.PARTIAL, 9, 2, 7)
    assert set(Order.objects.values_list("number", flat=True)) == {"1001", "1002"}
    assert errors_by_line(run) == {
        3: "订单编号 is missing",
        4: "买家应付货款: abc is not an amount",
        5: "订单创建时间: 2026-13-02 10:00 is not a date",
        6: "订单状态: unknown order status 神秘状态",
        7: "the amount paid 60.00 is more than the amount due 50.00",
        8: "3005 is not imported because line 9 has an error",
        9: "宝贝数量 must be at least 1",
    }
    with translation.override("en"):
        assert import_run_messages(run=ImportRun.objects.get())[0] == "line 3: 订单编号 is missing"


def test_error_messages_follow_the_active_language(tmp_path):
    rows = [["", "tb_x", "50", "0", "50", "50", "交易成功", "王", "北京", "1", "2026-03-02 10:00", "", "T恤", "1", "", ""]]
    path = write_csv(tmp_path / "bad.csv", ORDER_HEADER, rows)

    with translation.override("en"):
        english = run_import(path)
        assert import_run_messages(run=english) == ["line 2: 订单编号 is missing"]
    with translation.override("zh-hans"):
        chinese = run_import(path, language="zh-hans")
        messages = import_run_messages(run=chinese)

    assert len(messages) == 1 and "2" in messages[0] and "订单编号" in messages[0]


def test_reimport_is_idempotent_and_replaces_items(tmp_path):
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS)
    run_import(path)
    counts = (Order.objects.count(), OrderItem.objects.count(), Customer.objects.count(), CustomerIdentity.objects.count())

    again = run_import(path)

    assert (again.created_count, again.updated_count, again.rejected_count) == (0, 2, 0)
    assert (Order.objects.count(), OrderItem.objects.count(), Customer.objects.count(), CustomerIdentity.objects.count()) == counts == (2, 3, 2, 4)

    changed = [GOOD_ORDERS[0][:12] + ["连衣裙", "3", "SKU-1", "66.66"]]
    changed[0][6] = "退款中"
    third = run_import(write_csv(tmp_path / "changed.csv", ORDER_HEADER, changed))
    order = Order.objects.get(number="1001")
    assert (third.created_count, third.updated_count, order.status) == (0, 1, OrderStatus.REFUNDING)
    assert list(order.items.values_list("title", "quantity", "unit_price")) == [("连衣裙", 3, Decimal("66.66"))]


def test_order_rows_of_one_order_stay_together_across_batches(tmp_path):
    rows = []
    for number in range(1, 8):
        for item in range(3):
            rows.append([str(number), f"tb_{number}", "30", "0", "30", "30", "交易成功", "甲", "杭州", "", "2026-03-01 10:00", "", f"商品{item}", "1", "", "10"])
    run = run_import(write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows), batch_size=4)

    assert (run.created_count, run.rejected_count) == (7, 0)
    assert all(order.items.count() == 3 for order in Order.objects.all())


def test_mapping_file_maps_other_headers(tmp_path):
    header = ["Bestellnummer", "Kunde", "Betrag", "Status", "Datum", "Artikel"]
    rows = [["A-1", "tb_dora", "12.50", "交易成功", "2026-03-01 10:00:00", "笔记本"]]
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Bestellnummer": "number", "Kunde": "买家会员名", "Betrag": "paid_amount", "Status": "status", "Datum": "placed_at", "Artikel": "title"}), encoding="utf-8")

    run = run_import(write_csv(tmp_path / "de.csv", header, rows), mapping=str(mapping))

    assert (run.created_count, run.rejected_count) == (1, 0), run.errors
    order = Order.objects.get(number="A-1")
    assert (order.customer.identities.get().external_id, order.items.get().title) == ("tb_dora", "笔记本")


def test_unknown_field_in_mapping_and_missing_required_column_fail_the_file(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["Nummer"], [["1"]])
    with translation.override("en"):
        unknown = run_import(path, mapping={"Nummer": "nonsense"})
        missing = run_import(path)

    assert unknown.status == missing.status == ImportStatus.FAILED
    assert unknown.message.startswith("The mapping file names an unknown field nonsense")
    assert missing.message == "The file has no order number column (found: Nummer)."
    assert Order.objects.count() == 0


def test_english_headers(tmp_path):
    header = ["order_number", "buyer", "phone", "status", "placed_at", "title", "quantity", "price", "paid_amount"]
    rows = [["E-1", "tb_eve", "+86 138 0000 0005", "paid", "2026-03-01 10:00", "Mug", "2", "8.00", "16.00"]]

    run = run_import(write_csv(tmp_path / "en.csv", header, rows))

    order = Order.objects.get(number="E-1")
    assert (run.created_count, order.status, order.total_amount, order.receiver_phone) == (1, OrderStatus.PAID, Decimal("16.00"), "+86 138 0000 0005")
    assert CustomerIdentity.objects.filter(platform="phone", external_id="13800000005", customer=order.customer).exists()


def test_customer_is_matched_across_an_order_import_and_a_customer_import(tmp_path):
    run_import(write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS))
    alice = CustomerIdentity.objects.get(platform="taobao", external_id="tb_alice").customer
    header = ["客户姓名", "性别", "生日", "省份", "城市", "地址", "手机", "邮箱", "爱好", "买家会员名", "标签"]
    rows = [
        ["张三丰", "女", "1990-05-06", "浙江", "杭州", "文三路1号", "13800000001", "alice@example.com", "瑜伽、烘焙", "tb_alice", "VIP,老客户"],
        ["新客", "男", "", "", "", "", "13600000006", "", "", "", ""],
        ["无名", "男", "", "", "", "", "", "", "", "", ""],
        ["错性别", "X", "", "", "", "", "13600000007", "", "", "", ""],
    ]

    run = run_import(write_csv(tmp_path / "customers.csv", header, rows), kind="customers")

    assert (run.created_count, run.updated_count, run.rejected_count) == (1, 1, 2)
    assert errors_by_line(run) == {4: "no buyer member name, phone or e-mail to recognise the customer", 5: "性别: x is not a gender (男/女)"}
    alice.refresh_from_db()
    assert (alice.name, alice.gender, alice.birthday, alice.province, alice.email) == ("张三丰", "female", datetime.date(1990, 5, 6), "浙江", "alice@example.com")
    assert alice.hobbies == ["瑜伽", "烘焙"]
    assert sorted(alice.tags.values_list("name", flat=True)) == ["VIP", "老客户"]
    assert CustomerIdentity.objects.filter(customer=alice, platform="email", external_id="alice@example.com").exists()
    assert Customer.objects.count() == 3

    again = run_import(write_csv(tmp_path / "customers.csv", header, rows[:2]), kind="customers")
    assert (again.created_count, again.updated_count, Customer.objects.count()) == (0, 2, 3)


def test_products_upsert_by_sku_and_link_order_items(tmp_path):
    header = ["商家编码", "商品名称", "类目", "价格", "库存", "特点", "优势", "应用"]
    rows = [
        ["SKU-1", "真丝连衣裙", "女装", "￥1,299.00", "12", "真丝；透气", "手工缝制", "通勤、约会"],
        ["SKU-2", "羊毛围巾", "配饰", "199", "0", "", "", ""],
        ["SKU-3", "", "配饰", "", "", "", "", ""],  # new product without name and price
    ]
    run = run_import(write_csv(tmp_path / "products.csv", header, rows), kind="products")

    assert (run.created_count, run.rejected_count) == (2, 1)
    with translation.override("en"):
        assert errors_by_line(run) == {4: "商品名称 is missing"}
    dress = Product.objects.get(sku="SKU-1")
    assert (dress.name, dress.category.name, dress.price, dress.stock_quantity, dress.stock_state) == ("真丝连衣裙", "女装", Decimal("1299.00"), 12, "in_stock")
    assert (dress.features, dress.advantages, dress.applications) == (["真丝", "透气"], ["手工缝制"], ["通勤", "约会"])
    assert Product.objects.get(sku="SKU-2").stock_state == "out_of_stock"

    again = run_import(write_csv(tmp_path / "products2.csv", ["商家编码", "价格"], [["SKU-1", "999"]]), kind="products")
    dress.refresh_from_db()
    assert (again.created_count, again.updated_count, dress.price, dress.name) == (0, 1, Decimal("999.00"), "真丝连衣裙")

    run_import(write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS))
    assert OrderItem.objects.get(sku="SKU-1").product == dress


def test_dry_run_writes_nothing(tmp_path):
    before = AuditLog.objects.count()

    run = run_import(write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS), dry_run=True)

    assert (run.pk, run.created_count, run.rows_total, run.details["dry_run"]) == (None, 2, 3, True)
    assert (Order.objects.count(), Customer.objects.count(), CustomerIdentity.objects.count(), ImportRun.objects.count()) == (0, 0, 0, 0)
    assert AuditLog.objects.count() == before


def test_command_prints_errors_and_summary(tmp_path):
    rows = [GOOD_ORDERS[0], ["", "tb_x", "1", "0", "1", "1", "交易成功", "", "", "", "2026-03-02 10:00", "", "T", "1", "", ""]]
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows)
    out, err = io.StringIO(), io.StringIO()

    with translation.override("en"):
        call_command("import", "orders", str(path), "--quiet", stdout=out, stderr=err)

    assert "line 3: 订单编号 is missing" in err.getvalue()
    assert "2 rows read, 1 created, 0 updated, 1 rows rejected" in out.getvalue()
    assert "rows/s" in out.getvalue()
    assert Order.objects.count() == 1


def test_command_dry_run_and_missing_file(tmp_path):
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS)
    out = io.StringIO()
    with translation.override("en"):
        call_command("import", "orders", str(path), "--dry-run", "--quiet", stdout=out, stderr=io.StringIO())
        assert out.getvalue().startswith("Dry run, nothing written.")
        with pytest.raises(Exception, match="File not found"):
            call_command("import", "orders", str(tmp_path / "nope.csv"), "--quiet")
    assert Order.objects.count() == 0


def test_command_refuses_to_import_in_the_name_of_an_agent(tmp_path, agent):
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, GOOD_ORDERS)

    with translation.override("en"), pytest.raises(CommandError, match="Only supervisors and administrators may import files."):
        call_command("import", "orders", str(path), "--user", agent.username, "--quiet", stdout=io.StringIO(), stderr=io.StringIO())

    assert (Order.objects.count(), ImportRun.objects.count()) == (0, 0)


def test_reimport_of_an_order_split_across_batches_keeps_all_its_items(tmp_path):
    """An order's rows far apart in the file land in different batches: the later batch adds its items, not replaces them."""
    def row(number, item):
        return [str(number), f"tb_{number}", "30", "0", "30", "30", "交易成功", "甲", "杭州", "", "2026-03-01 10:00", "", f"商品{item}", "1", "", "10"]

    rows = [row(1, 0), *[row(number, 0) for number in range(2, 12)], row(1, 1), row(1, 2)]
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows)
    first = run_import(path, batch_size=4)
    again = run_import(path, batch_size=4)

    assert (first.created_count, again.created_count, again.updated_count, again.rejected_count) == (11, 0, 11, 0)
    assert sorted(Order.objects.get(number="1").items.values_list("title", flat=True)) == ["商品0", "商品1", "商品2"]
    assert OrderItem.objects.count() == 13


def test_a_product_import_tells_every_process_the_knowledge_changed(tmp_path, django_capture_on_commit_callbacks):
    from kefu.knowledge.assist_index import knowledge_version

    before = knowledge_version()
    header = ["商家编码", "商品名称", "价格", "特点"]
    with django_capture_on_commit_callbacks(execute=True):
        run_import(write_csv(tmp_path / "products.csv", header, [["SKU-9", "翼龙F50", "3999", "折叠机身"]]), kind="products")

    assert knowledge_version() == before + 1


def test_a_dry_run_product_import_changes_no_knowledge(tmp_path, django_capture_on_commit_callbacks):
    from kefu.knowledge.assist_index import knowledge_version

    before = knowledge_version()
    with django_capture_on_commit_callbacks(execute=True):
        run_import(write_csv(tmp_path / "products.csv", ["商家编码", "商品名称", "价格"], [["SKU-9", "翼龙F50", "3999"]]), kind="products", dry_run=True)

    assert knowledge_version() == before
