import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(transactional_db):
    from govhall.catalog import demo

    demo.load()


def test_search_open_guide_answer_situation_see_qr(page, live_server, catalogue):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").fill("yyzz")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_selector("#results")
    first = page.locator("#results a.name").first
    assert "设立登记" in first.inner_text()
    page.locator("#results a.name", has_text="有限责任公司设立登记").first.click()

    page.wait_for_selector("h1:has-text('有限责任公司设立登记')")
    assert page.locator("text=一次性告知").count() >= 1
    # the QR code is drawn and encodes this page's address
    assert page.locator("#guide-qr svg").count() == 1
    assert "/items/" in page.locator(".qr p.meta").last.inner_text()

    rows_before = page.locator("#materials tbody tr").count()
    form = page.locator("#situation-form fieldset").first
    question = form.locator("legend").inner_text()
    options = form.locator("input[type=radio]")
    names_by_option = []
    for i in range(options.count()):
        options.nth(i).check()
        page.wait_for_load_state("networkidle")
        names_by_option.append(page.locator("#materials tbody tr td:nth-child(2)").all_inner_texts())
    screenshot(page, "guide-after-situation")
    # some answer to the question changes the material list
    assert len({tuple(n) for n in names_by_option}) > 1 or any(len(n) != rows_before for n in names_by_option), (
        question,
        names_by_option,
    )
