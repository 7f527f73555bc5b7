"""The order columns after-sales needs: payment number, promised dates, shipping method and shop, from Taobao and JD exports."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.importing.enums import ImportStatus
from kefu.orders.models import Order
from tests.importing.test_import import errors_by_line, run_import, write_csv

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

# A Taobao 订单报表 with the after-sales columns as the export names them.
TAOBAO_HEADER = ["订单编号", "买家会员名", "支付单号", "买家应付货款", "买家应付邮费", "买家实际支付金额", "订单状态", "收货人姓名",
                 "联系手机", "订单创建时间", "订单付款时间", "发货时间", "承诺发货时间", "预计送达时间", "运送方式", "物流公司",
                 "物流单号", "店铺名称", "宝贝标题", "宝贝数量", "价格"]  # fmt: skip
TAOBAO_ROWS = [
    ["3001", "tb_carol", "2026110322001100000001", "899.00", "0", "899.00", "卖家已发货，等待买家确认", "王五", "13800000031",
     "2026-11-03 10:00:00", "2026-11-03 10:01:00", "2026-11-04 18:00:00", "2026-11-05 23:59:59", "2026-11-08 18:00:00",
     "快递", "中通快递", "ZT0000000031", "翼龙官方旗舰店", "翼龙F40 航拍无人机", "1", "899.00"],
    ["3002", "tb_dave", "", "59.00", "0", "0", "等待买家付款", "赵六", "13800000032", "2026-11-03 11:00:00", "", "", "", "",
     "", "", "", "翼龙官方旗舰店", "桨叶", "1", "59.00"],
]  # fmt: skip


def test_a_taobao_export_fills_the_after_sales_fields(tmp_path):
    run = run_import(write_csv(tmp_path / "orders.csv", TAOBAO_HEADER, TAOBAO_ROWS))

    assert (run.status, run.created_count, run.rejected_count) == (ImportStatus.SUCCEEDED, 2, 0)
    shipped = Order.objects.get(number="3001")
    assert (shipped.payment_number, shipped.shipping_method, shipped.shop_name, shipped.carrier) == (
        "2026110322001100000001",
        "快递",
        "翼龙官方旗舰店",
        "中通快递",
    )
    assert shipped.promised_ship_by == datetime.datetime(2026, 11, 5, 23, 59, 59, tzinfo=SHANGHAI)
    assert shipped.promised_delivery_by == datetime.datetime(2026, 11, 8, 18, 0, tzinfo=SHANGHAI)
    unpaid = Order.objects.get(number="3002")
    assert (unpaid.payment_number, unpaid.shipping_method, unpaid.shop_name) == ("", "", "翼龙官方旗舰店")
    assert (unpaid.promised_ship_by, unpaid.promised_delivery_by) == (None, None)


def test_a_jd_export_names_them_otherwise(tmp_path):
    header = ["订单号", "下单帐号", "支付单号", "应付金额", "订单金额", "订单状态", "客户姓名", "联系电话", "下单时间", "付款确认时间",
              "承诺送达时间", "物流方式", "店铺", "商品名称", "订购数量", "商品单价"]  # fmt: skip
    rows = [["JD9001", "jd_erin", "JDPAY-77", "120.00", "120.00", "等待出库", "钱七", "13800000041", "2026-11-02 08:00:00",
             "2026-11-02 08:02:00", "2026-11-04 22:00:00", "京东配送", "翼龙京东自营店", "备用电池", "1", "120.00"]]  # fmt: skip
    run = run_import(write_csv(tmp_path / "jd.csv", header, rows), platform="jd")

    assert (run.status, run.rejected_count) == (ImportStatus.SUCCEEDED, 0), errors_by_line(run)
    order = Order.objects.get(number="JD9001")
    assert (order.payment_number, order.shipping_method, order.shop_name) == ("JDPAY-77", "京东配送", "翼龙京东自营店")
    assert order.promised_delivery_by == datetime.datetime(2026, 11, 4, 22, 0, tzinfo=SHANGHAI)
    assert order.promised_ship_by is None


def test_a_reimport_updates_the_fields(tmp_path):
    run_import(write_csv(tmp_path / "first.csv", TAOBAO_HEADER, TAOBAO_ROWS))
    later = [list(TAOBAO_ROWS[1])]
    later[0][2] = "2026110322001100000002"  # paid since
    later[0][13] = "2026-11-09 18:00:00"
    later[0][14] = "EMS"
    run = run_import(write_csv(tmp_path / "second.csv", TAOBAO_HEADER, later))

    assert (run.created_count, run.updated_count) == (0, 1)
    order = Order.objects.get(number="3002")
    assert (order.payment_number, order.shipping_method) == ("2026110322001100000002", "EMS")
    assert order.promised_delivery_by == datetime.datetime(2026, 11, 9, 18, 0, tzinfo=SHANGHAI)


def test_a_bad_promised_date_rejects_its_row_with_the_column_named(tmp_path):
    rows = [list(TAOBAO_ROWS[0])]
    rows[0][13] = "下周三"
    run = run_import(write_csv(tmp_path / "orders.csv", TAOBAO_HEADER, rows))

    assert (run.created_count, run.rejected_count) == (0, 1)
    assert "预计送达时间" in errors_by_line(run)[2]
    assert Order.objects.count() == 0
