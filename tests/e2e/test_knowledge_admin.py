"""A supervisor edits the knowledge base in the back office and sees the running assistant use it at once.

王主管 replaces the shipped regular-expression rule for "go and read it yourself" by a plain one,
checks a draft against the guard, adds an FAQ entry and finds it with a traditional-Chinese
question, all on the real server, without a restart.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD, kefu, screenshot

REWRITE = "亲，这个问题我直接为您说明一下，有不清楚的随时问我。"
QUESTION = "翼龙F40可以带上高铁吗？"
ANSWER = "亲，翼龙F40的电池为智能锂电池，单块低于100Wh，可随身携带上高铁；机身请装箱托运或随身携带。"
SHIPPED_RULE = "你(自己)?(去)?看(一下)?(说明书|详情页|商品页|页面)|你自己(去)?看"


@pytest.fixture(autouse=True)
def knowledge_restored(var_dir):
    """Put the demo's rules and FAQ back afterwards: the later browser modules share this live server."""
    yield
    kefu(
        var_dir,
        "shell",
        "-c",
        "from django.db import transaction; from kefu.knowledge.assist_index import knowledge_changed; "
        "from kefu.knowledge.models import FaqEntry, ForbiddenRule\n"
        "with transaction.atomic():\n"
        f"    ForbiddenRule.objects.filter(pattern={SHIPPED_RULE!r}).update(enabled=True)\n"
        "    ForbiddenRule.objects.filter(pattern='你自己看').delete()\n"
        f"    FaqEntry.objects.filter(question={QUESTION!r}).delete()\n"
        "    knowledge_changed()",
    )


def login(page, live_url, username):
    page.goto(live_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_url + "/")


def test_supervisor_adds_a_rule_and_an_faq_entry_and_the_assistant_uses_them(live_url, page):
    login(page, live_url, "wang")
    page.click(".topnav a[href='/knowledge/']")
    expect(page.locator(".kb-tabs a[aria-current=page]")).to_have_text("常见问答")

    # The forbidden-phrase rules: switch off the shipped regex rule, add a plain-words one.
    page.click(".kb-tabs a[href='/knowledge/rules/']")
    page.click(f"#rules a.code:text-is('{SHIPPED_RULE}')")
    page.uncheck("input[name=enabled]")
    page.click("button[type=submit].btn-primary")
    page.click("a[href='/knowledge/rules/new/']")
    page.select_option("select[name=category]", label="蔑视语")
    page.fill("input[name=pattern]", "你自己看")
    page.fill("textarea[name=examples]", "你自己看\n你自己看说明书")
    page.fill("textarea[name=rewrite]", REWRITE)
    page.click("button[type=submit].btn-primary")
    expect(page.locator(".messages")).to_contain_text("你自己看")

    page.fill("#check-draft textarea[name=draft]", "你自己看说明书")
    page.click("#check-draft button[type=submit]")

    expect(page.locator("#draft-marked mark")).to_have_text("你自己看")
    flagged = page.locator("#draft-flags tbody tr")
    expect(flagged).to_have_count(1)
    expect(flagged.locator("td").nth(1)).to_have_text("蔑视语")
    expect(flagged.locator("td").nth(2)).to_have_text("你自己看")
    expect(flagged.locator("td").nth(3)).to_have_text(REWRITE)
    screenshot(page, "knowledge-rules-check")
    page.locator("#check-draft").screenshot(path=str(ARTIFACTS / "knowledge-rules-check-box.png"))

    # The FAQ: a new entry, found by the "try it" box for a question in traditional characters.
    page.click(".kb-tabs a[href='/knowledge/faq/']")
    page.click("a[href='/knowledge/faq/new/']")
    page.fill("input[name=question]", QUESTION)
    page.fill("textarea[name=variants]", "无人机能带上高铁吗\n坐高铁能带无人机吗")
    page.fill("textarea[name=answer]", ANSWER)
    page.select_option("select[name=category]", "product")
    page.select_option("select[name=product]", label="翼龙F40无人机")
    page.click("button[type=submit].btn-primary")
    expect(page.locator(".messages")).to_contain_text(QUESTION)

    page.fill("#try-it input[name=ask]", "請問翼龍F40無人機能帶上高鐵嗎")
    page.click("#try-it button[type=submit]")

    first = page.locator("#try-results li").first
    expect(first.locator(".kb-question")).to_have_text(QUESTION, timeout=30_000)
    expect(page.locator("#try-results li")).to_have_count(5)
    confidence = int(first.locator(".kb-conf").inner_text().rstrip("%"))
    assert 50 <= confidence <= 100
    screenshot(page, "knowledge-faq-try")
    page.locator("#try-it").screenshot(path=str(ARTIFACTS / "knowledge-faq-try-box.png"))  # readable at full size
