"""An agent signs in to the running product in Chromium, in Chinese, and signs out."""

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, screenshot


def test_agent_signs_in_sees_home_and_signs_out(live_url, page):
    page.goto(live_url + "/")
    assert page.url.startswith(live_url + "/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot(page, "login-zh-hans")

    page.fill("input[name=username]", "xiaomei")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_url + "/")

    assert "小美" in page.content()
    screenshot(page, "home-agent")

    page.locator("form[action='/logout/'] button").click()
    page.wait_for_url(live_url + "/login/")


def test_wrong_password_is_refused_in_chinese(live_url, page):
    page.goto(live_url + "/login/")
    page.fill("input[name=username]", "xiaomei")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")

    expect(page.locator("main")).to_contain_text("区分大小写")  # Django's own zh-hans message
    assert page.url.startswith(live_url + "/login/")
    screenshot(page, "login-error-zh-hans")
