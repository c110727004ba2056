"""End to end in headless Chromium: ask, read the cited paragraph, follow a ?q= deep link."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest
from browser_flags import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IOM_QUESTION = "How many victims did IOM assist in 2018?"
IOM_CITATION = "para. 57 — III.B.3 International Organization for Migration"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: run `apt-get install chromium` (or set QA_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, web_server):
    """A fresh page; it records dialogs (an alert means injected script ran) and every host
    the page asked for (the UI must work offline)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []
    page.hosts = set()
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: page.hosts.add(urlparse(request.url).netloc))
    yield page
    context.close()


def question_box(page):
    return page.locator("#qa-question textarea, #qa-question input").first


def test_typing_a_question_and_pressing_enter_shows_the_citation(page, web_server):
    page.goto(web_server)
    box = question_box(page)
    box.fill(IOM_QUESTION)
    box.press("Enter")
    first = page.locator("#qa-results .hit").first
    first.wait_for()
    assert first.locator(".cite").inner_text() == IOM_CITATION
    assert "7,400 victims" in first.locator("mark.best").inner_text()
    # One click copies the citation.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    first.locator("button.copy").click()
    first.get_by_text("Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == IOM_CITATION
    # The address bar now carries the question, so the result can be shared.
    assert parse_qs(urlparse(page.url).query)["q"] == [IOM_QUESTION]
    # The citation opens the paragraph in its section, in the reader.
    first.locator(".cite").click()
    focus = page.locator("#qa-reader .rpara.focus")
    focus.wait_for()
    assert focus.get_attribute("id") == "para-57"
    title = page.locator("#qa-reader .reader-title").inner_text()
    assert title.startswith("3. International Organization for Migration")
    assert page.hosts == {urlparse(web_server).netloc}


def test_a_deep_link_runs_the_search(page, web_server):
    page.goto(f"{web_server}?q={quote(IOM_QUESTION)}")
    page.locator("#qa-results .hit").first.wait_for()
    assert page.locator("#qa-results .hit .cite").first.inner_text() == IOM_CITATION
    assert question_box(page).input_value() == IOM_QUESTION


def test_the_address_follows_each_search_at_once(page, web_server):
    # It was read before the new results were on the page, so it carried the search before.
    page.goto(web_server)
    box = question_box(page)
    for question in ("victims of trafficking", "interpretation for victims"):
        box.fill(question)
        box.press("Enter")
        page.wait_for_function(
            "q => new URLSearchParams(location.search).get('q') === q", arg=question, timeout=5000
        )
        assert page.locator("#qa-results .hit").count() > 0


def test_a_paragraph_reference_opens_it_and_the_contents_browse(page, web_server):
    page.goto(f"{web_server}?q={quote('139 (d)')}")
    page.locator("#qa-reader .rpara.focus#para-139").wait_for()
    assert page.locator("#qa-reader li.focus-item").first.get_attribute("data-label") == "d"
    page.locator("#qa-reader .nav-toc").first.click()
    entry = page.locator(
        "#qa-reader .toc-entry", has_text="International Organization for Migration"
    )
    entry.click()
    page.locator("#qa-reader #para-57").wait_for()


def test_script_in_the_question_is_shown_as_text(page, web_server):
    attack = "<img src=x onerror=alert(1)>"
    page.goto(web_server)
    box = question_box(page)
    box.fill(attack)
    box.press("Enter")
    asked = page.locator("#qa-results q.asked")
    asked.wait_for()
    assert asked.inner_text() == attack
    assert page.locator("#qa-results img").count() == 0
    box.fill("   ")
    box.press("Enter")
    page.get_by_text("Type a question about the report first.").wait_for()
    assert page.dialogs == []


def test_phone_width_has_no_sideways_scrolling(browser, web_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{web_server}?q={quote('What does the report recommend on interpretation?')}")
        page.locator("#qa-results .hit").first.wait_for()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        context.close()


# --- a library: the report and six UN PDFs ------------------------------------------------------


@pytest.fixture(scope="module")
def library_server(built_index, encoder, tmp_path_factory):
    """The app serving a small library (tests/serving.py: the report and six UN PDFs)."""
    from serving import free_port, library_index

    from qa.web import start

    index = library_index(built_index, encoder, tmp_path_factory)
    app, url = start(index, "127.0.0.1", free_port(), block=False, quiet=True)
    try:
        yield url
    finally:
        app.close()


@pytest.fixture
def library_page(browser, library_server):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def cited_symbols(page) -> list[str]:
    return page.locator("#qa-results .hit .doc-symbol").all_inner_texts()


def address(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_the_picker_types_ahead_and_narrows_the_search(library_page, library_server):
    page = library_page
    page.goto(library_server)
    page.locator("#qa-reader .facets").wait_for()  # the page has loaded (on_load adds them)
    assert page.locator("#qa-header h1").inner_text() == "7 United Nations documents"
    page.locator("#qa-filters button.label-wrap").click()
    picker = page.locator("#qa-documents input").first
    picker.click()
    picker.type("S/2025/4")
    option = page.get_by_role("option").filter(has_text="S/2025/497 · 1 August 2025")
    option.click()
    box = question_box(page)
    box.fill("nuclear programme")
    box.press("Enter")
    page.locator("#qa-results .hit").first.wait_for()
    assert set(cited_symbols(page)) == {"S/2025/497"}
    assert address(page) == {"q": ["nuclear programme"], "doc": ["S/2025/497"]}
    # Read in context: the letter's unnumbered text, by page, with the hit marked.
    page.locator("#qa-results .hit .section-link button").first.click()
    page.locator("#qa-reader .rpara.focus").wait_for()
    assert page.locator("#qa-reader .reader-title").inner_text().startswith("Full text")
    assert page.dialogs == []


def test_a_facet_in_the_library_filters_the_results(library_page, library_server):
    page = library_page
    page.goto(f"{library_server}?q={quote('letter addressed to the Secretary-General')}&k=10")
    page.locator("#qa-results .hit").first.wait_for()
    assert any(not s.startswith("S/") for s in cited_symbols(page))
    page.locator('#qa-reader [data-open="f:organ:SC"]').click()
    page.locator("#qa-reader .facet-value.on").wait_for()
    page.locator("#qa-results .filters-on").wait_for()
    assert set(cited_symbols(page)) <= {"S/2025/497", "S/RES/2775 (2025)"}
    assert cited_symbols(page) and page.locator("#qa-reader .doc-entry").count() == 2
    assert address(page)["organ"] == ["SC"]
    # A document of the library opens its contents; its footnotes open too.
    page.locator('#qa-reader [data-open="f:clear:"]').first.click()
    page.locator("#qa-reader .doc-entry", has_text="A/80/159").click()
    page.locator("#qa-reader .toc-entry", has_text="Footnotes").click()
    page.locator("#qa-reader .rpara", has_text="footnote").first.wait_for()


def test_a_deep_link_restores_filters_and_the_across_documents_view(library_page, library_server):
    page = library_page
    link = f"{library_server}?q={quote('human rights')}&kind=report&since=2019&by=document"
    page.goto(link)
    page.locator("#qa-results .results.by-document .hit").first.wait_for()
    symbols = cited_symbols(page)
    assert len(symbols) == len(set(symbols)) >= 2
    dates = page.locator("#qa-results .hit .doc-date").all_inner_texts()
    assert dates[0] == "18 June 2019"  # the oldest report first
    assert page.locator("#qa-by-document input").is_checked()
    assert page.locator("#qa-since input, #qa-since textarea").first.input_value() == "2019"
    assert "Report" in page.locator("#qa-kind input").first.input_value()
    assert address(page) == {
        "q": ["human rights"],
        "kind": ["report"],
        "since": ["2019"],
        "by": ["document"],
    }


def test_a_hit_lists_the_footnote_it_cites_and_opens_it(library_page, library_server):
    page = library_page
    page.goto(f"{library_server}?q={quote('para. 17')}&doc=A/80/159")
    sources = page.locator("#qa-results .hit .sources").first
    sources.wait_for()
    assert sources.inner_text().startswith("footnote 1 Information concerning the panellists")
    sources.locator(".source-ref").click()
    focus = page.locator("#qa-reader .rpara.focus")
    focus.wait_for()
    assert "Information concerning the panellists" in focus.inner_text()
    # The footnote, in the reader, says which paragraph cites it.
    assert "Cited in para. 17" in focus.inner_text()
    assert page.dialogs == []
