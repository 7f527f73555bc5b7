"""A supervisor uploads the shop's GBK order export in the back office and reads the result in Chinese."""

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, screenshot

EXPORT = (
    "订单编号,买家会员名,收货人姓名,联系手机,收货地址,宝贝标题,宝贝数量,实付金额,订单状态,订单创建时间,订单付款时间,物流公司,物流单号\n"
    "E2E0001,tb_e2e_buyer,陈女士,13911112222,浙江省 杭州市 西湖区 文三路1号,12kW储能电池冷水机,1,8800.00,卖家已发货，等待买家确认,2026-11-01 10:00:00,2026-11-01 10:05:00,中通快递,7812345678901\n"
    "E2E0002,tb_e2e_buyer,陈女士,13911112222,浙江省 杭州市 西湖区 文三路1号,手机支架,2,39.80,交易成功,2026-11-02 09:00:00,2026-11-02 09:01:00,圆通速递,YT1234567890123\n"
    "E2E0003,tb_e2e_other,赵先生,13700001111,江苏省 南京市 鼓楼区 中山路2号,数据线,1,不是金额,交易成功,2026-11-03 09:00:00,2026-11-03 09:01:00,,\n"
)


def login(page, live_url, username):
    page.goto(live_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_url + "/")


def test_supervisor_imports_a_gbk_export_and_sees_the_bad_line(live_url, page, browser, tmp_path):
    export = tmp_path / "淘宝订单导出.csv"
    export.write_bytes(EXPORT.encode("gbk"))
    login(page, live_url, "wang")

    page.goto(live_url + "/admin/importing/importrun/upload/")
    page.select_option("select[name=kind]", "orders")
    page.set_input_files("input[name=file]", str(export))
    page.click("input[type=submit]")

    expect(page.locator("#import-summary .created-count")).to_have_text("2")
    expect(page.locator("#import-summary .rejected-count")).to_have_text("1")
    expect(page.locator(".import-errors")).to_contain_text("4")  # the bad row is line 4 of the file
    screenshot(page, "admin-import-result")

    expect(page.locator(".import-errors")).to_contain_text("实付金额")

    admin_page = browser.new_context(locale="zh-CN").new_page()  # the admin reads the raw orders
    login(admin_page, live_url, "admin")
    admin_page.goto(live_url + "/admin/orders/order/?q=E2E000")
    expect(admin_page.locator("#result_list tbody tr")).to_have_count(2)
    expect(admin_page.locator("#result_list")).to_contain_text("陈女士")
    admin_page.context.close()
