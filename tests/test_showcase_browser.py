"""The showcase in a real browser (Debian's headless Chromium, driven through chromedriver).

On every loop: every link of the index renders, each framework's page answers its own form
and links back, and the WebSocket page exchanges a message with all five endpoints.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from albany.testing import LiveServer
from tests.conftest import ServerPool

for name in ("twisted", "tornado", "aiohttp", "flask", "starlette", "selenium"):
    pytest.importorskip(name)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as until  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
FRAMEWORK_PAGES = {
    "/legacy/": "from a twisted.web Resource via Albany's",
    "/tornado/": "from a Tornado RequestHandler via Albany's",
    "/aiohttp/": "from an aiohttp handler via Albany's",
    "/flask/": "from a Flask view via Albany's",
    "/starlette/": "from a Starlette endpoint via Albany's",
}
ERRORS = ("Internal Server Error", "Not Found", "Traceback")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("chromium and chromedriver are not installed (scripts/system-deps)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def showcase(server_pool: ServerPool, loop: str) -> LiveServer:
    return server_pool.get("examples.showcase:app", loop)


def wait(browser: Any) -> WebDriverWait:
    # While a click navigates, an element found on the old document can fail with a stale
    # reference or, in Chromium, "Node with given id does not belong to the document":
    # both mean "look again", so the wait retries until its own deadline.
    return WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,))


def page_text(browser: Any) -> str:
    return str(browser.find_element(By.TAG_NAME, "body").text)


def test_every_link_of_the_index_renders(browser: Any, showcase: LiveServer) -> None:
    browser.get(showcase.url + "/")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")]
    assert len(links) >= 10, links

    for link in links:
        browser.get(link)
        text = page_text(browser)
        assert text.strip(), link
        assert not any(error in text for error in ERRORS), (link, text[:300])


@pytest.mark.parametrize("path", FRAMEWORK_PAGES)
def test_each_framework_answers_its_form_and_links_back(
    browser: Any, showcase: LiveServer, path: str
) -> None:
    browser.get(showcase.url + path)
    assert FRAMEWORK_PAGES[path] in browser.find_element(By.ID, "greeting").text

    field = browser.find_element(By.ID, "name")
    field.clear()
    field.send_keys("Ada <b>")
    browser.find_element(By.ID, "greet").click()
    wait(browser).until(until.text_to_be_present_in_element((By.ID, "greeting"), "Hello, Ada <b>,"))
    assert FRAMEWORK_PAGES[path] in browser.find_element(By.ID, "greeting").text

    browser.find_element(By.ID, "back").click()
    wait(browser).until(until.url_to_be(showcase.url + "/"))
    assert "One port, six kinds of app" in page_text(browser)


def test_the_websocket_page_talks_to_all_five_endpoints(browser: Any, showcase: LiveServer) -> None:
    browser.get(showcase.url + "/websocket")
    field = browser.find_element(By.ID, "text")
    field.clear()
    field.send_keys("from the browser")
    buttons = browser.find_elements(By.CSS_SELECTOR, "#endpoints button")
    assert len(buttons) == 5

    for button in buttons:
        button.click()
    outputs = browser.find_elements(By.CSS_SELECTOR, "#endpoints output")
    for output in outputs:
        wait(browser).until(lambda _, output=output: output.text)
    answers = [output.text for output in outputs]

    assert all(answer.startswith("from the browser (") for answer in answers), answers
    assert len({answer.split(" via ")[0] for answer in answers}) == 5, answers
