"""The review page in a real browser: headless Chromium (Debian's, driven by its chromedriver)
opens the page built from cleaning the seeds and is used as a reviewer would use it."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.bench_review import HEADLESS_FLAGS
from cleaner.cli import app, clean_app
from cleaner.report import read_audit

from .conftest import ROOT, SEEDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# .ci/run installs the browser and sets this: there a missing browser fails instead of skipping.
REQUIRED = os.environ.get("CLEANER_REQUIRE_BROWSER") == "1"
if not (CHROMIUM and CHROMEDRIVER):
    message = "Chromium and chromedriver are not installed (.ci/run installs Debian's chromium and chromium-driver)"
    if REQUIRED:
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The seeds (and one hostile file) cleaned with the repository's rules, and the run's page."""
    base = tmp_path_factory.mktemp("browser")
    src = base / "seeds"
    shutil.copytree(SEEDS, src)
    (src / "zz_hostile.txt").write_text(f"标题,第一段。\n\n{HOSTILE}正文,第二段。\n", encoding="utf-8")
    out = base / "out"
    result = CliRunner().invoke(clean_app, [str(src), str(out), "--config", str(ROOT / "cleaner.toml"), "-q"])
    assert result.exit_code == 0, result.output
    page = base / "report.html"
    result = CliRunner().invoke(app, ["report", str(out), "-o", str(page), "--src", str(src)])
    assert result.exit_code == 0, result.output
    return base, out, page


@pytest.fixture(scope="module")
def browser(run: tuple[Path, Path, Path]) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*HEADLESS_FLAGS, "--window-size=1300,1800", f"--user-data-dir={run[0] / 'chromium-profile'}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser: webdriver.Chrome, run: tuple[Path, Path, Path]) -> webdriver.Chrome:
    browser.get(run[2].as_uri() + "#edits")
    browser.refresh()  # a fresh page for each test, whatever the last one left in the hash
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    return browser


def audit(out: Path) -> list[dict]:
    return [r for r in read_audit(out / ".cleaner" / "audit.jsonl.gz")]


def edits_of(out: Path) -> list[dict]:
    return [r for r in audit(out) if r["type"] == "edit" and not (r.get("detail") or {}).get("event")]


def visible_hits(driver: webdriver.Chrome) -> list:
    return [hit for hit in driver.find_elements(By.CSS_SELECTOR, "#hits .hit") if hit.is_displayed()]


def test_the_summary_numbers_are_the_audit_records(page: webdriver.Chrome, run: tuple[Path, Path, Path]) -> None:
    _, out, _ = run
    records = audit(out)
    files = [r for r in records if r["type"] == "file"]
    edits = edits_of(out)

    def shown(name: str) -> int:
        return int(page.find_element(By.CSS_SELECTOR, f'[data-summary="{name}"]').text.replace(",", ""))

    assert shown("files") == len(files) == 6
    assert shown("changed") == sum(1 for f in files if f["status"] == "cleaned")
    assert shown("skipped") == sum(1 for f in files if f["status"] == "skipped")
    assert shown("bytes_in") == sum(f["bytes_in"] for f in files)
    assert shown("bytes_out") == sum(f["bytes_out"] for f in files)
    assert shown("edits") == len(edits)
    assert shown("removed") == sum(1 for r in edits if r["stage"] == "dedup" and not r["after"])
    rows = page.find_elements(By.CSS_SELECTOR, "#by-stage tr[data-stage]")
    table = {row.get_attribute("data-stage"): int(row.find_elements(By.TAG_NAME, "td")[1].text) for row in rows}
    assert table == dict(Counter(r["stage"] for r in edits))
    bars = page.find_elements(By.CSS_SELECTOR, "#chart-stages g[data-name]")
    assert {bar.get_attribute("data-name"): int(bar.get_attribute("data-count")) for bar in bars} == table
    assert page.find_element(By.ID, "f-count").text == f"{len(edits):,} edits match"


def test_a_rule_filter_shows_exactly_that_rules_hits(page: webdriver.Chrome, run: tuple[Path, Path, Path]) -> None:
    _, out, _ = run
    page.find_element(By.ID, "tab-rules").click()
    # The rules view is drawn when its tab opens: wait for the button rather than race the drawing.
    button = '#rules-table button[data-rule="rules/lukou-zhuo"]'
    WebDriverWait(page, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, button))
    page.find_element(By.CSS_SELECTOR, button).click()
    WebDriverWait(page, 10).until(lambda d: not d.find_element(By.ID, "view-edits").get_attribute("hidden"))
    expected = [r for r in edits_of(out) if r["rule"] == "lukou-zhuo"]
    hits = visible_hits(page)
    assert len(hits) == len(expected) == 3
    for hit in hits:
        assert hit.get_attribute("data-rule") == "rules/lukou-zhuo"
        assert hit.find_element(By.TAG_NAME, "del").text == "涿口"
        assert hit.find_element(By.TAG_NAME, "ins").text == "渌口"
    assert Select(page.find_element(By.ID, "f-rule")).first_selected_option.get_attribute("value") == "rules/lukou-zhuo"
    never = page.execute_script("return JSON.parse(document.getElementById('data').textContent).never_fired")
    assert [rule["id"] for rule in never] == ["lukou-traditional"]

    # The stage filter alone: every punctuation edit, page by page (200 a page).
    page.find_element(By.ID, "f-clear").click()
    Select(page.find_element(By.ID, "f-stage")).select_by_value("punctuation")
    punctuation = sum(1 for r in edits_of(out) if r["stage"] == "punctuation")
    assert page.find_element(By.ID, "f-count").text == f"{punctuation:,} edits match"
    assert len(visible_hits(page)) == min(punctuation, 200)
    assert all(h.get_attribute("data-rule").startswith("punctuation/") for h in visible_hits(page))


def test_search_and_keys_move_between_edits(page: webdriver.Chrome) -> None:
    search = page.find_element(By.ID, "f-search")
    search.send_keys("涿口")
    assert len(visible_hits(page)) == 3
    search.send_keys(Keys.ESCAPE)
    body = page.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    first = page.find_element(By.CSS_SELECTOR, "#hits .hit.current").get_attribute("data-i")
    body.send_keys("j")
    second = page.find_element(By.CSS_SELECTOR, "#hits .hit.current").get_attribute("data-i")
    assert first != second
    assert "渌口" in page.find_element(By.ID, "detail").text
    body.send_keys(Keys.ENTER)  # open the edit in its file: the mark is current and shows the change
    WebDriverWait(page, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#doc-text .current"))
    mark = page.find_element(By.CSS_SELECTOR, "#doc-text .current")
    assert mark.text == "渌口" and second in mark.get_attribute("data-e").split(",")
    assert page.find_element(By.ID, "doc-title").text == "003_f63b25ad495e4c38.txt"
    body.send_keys("j")
    following = page.find_element(By.CSS_SELECTOR, "#doc-text .current").get_attribute("data-e")
    assert following != mark.get_attribute("data-e")


def test_a_removed_duplicate_leads_to_its_kept_copy(
    page: webdriver.Chrome, run: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, out, _ = run
    removal = [r for r in edits_of(out) if r["stage"] == "dedup"][-1]  # a paragraph far below its twin
    # Open the document that lost the paragraph and find the collapsed removal in its text.
    names = page.execute_script("return JSON.parse(document.getElementById('data').textContent).docs.map(d => d.id)")
    page.get(page.current_url.split("#")[0] + f"#doc={names.index(removal['doc'])}")
    WebDriverWait(page, 10).until(lambda d: d.find_element(By.ID, "doc-title").text == removal["doc"])
    removed_text = removal["before"].strip("\n")
    blocks = page.find_elements(By.CSS_SELECTOR, "#doc-text details.dup")
    block = next(b for b in blocks if b.get_attribute("textContent").endswith(removed_text))
    assert not block.get_attribute("open")  # collapsed
    block.find_element(By.CSS_SELECTOR, "summary .dup-label").click()
    assert block.get_attribute("open")
    assert block.find_element(By.CSS_SELECTOR, ".removed").text.replace("\n", "") == removed_text.replace("\n", "")
    block.find_element(By.CSS_SELECTOR, "a.kept-link").click()
    WebDriverWait(page, 10).until(lambda d: d.find_elements(By.ID, "kept-target"))
    assert page.find_element(By.ID, "doc-title").text == removal["detail"]["kept"]["doc"]
    kept = page.find_elements(By.CSS_SELECTOR, "#doc-text .kept-target")
    assert "".join(k.get_attribute("textContent") for k in kept) == removed_text
    assert page.execute_script(
        "const r = document.getElementById('kept-target').getBoundingClientRect(); "
        "return r.top >= 0 && r.bottom <= window.innerHeight"
    )
    shot = tmp_path / "kept-copy.png"
    page.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_hostile_text_is_shown_as_text(page: webdriver.Chrome, run: tuple[Path, Path, Path], tmp_path: Path) -> None:
    names = page.execute_script("return JSON.parse(document.getElementById('data').textContent).docs.map(d => d.id)")
    page.get(page.current_url.split("#")[0] + f"#doc={names.index('zz_hostile.txt')}")
    WebDriverWait(page, 10).until(lambda d: d.find_element(By.ID, "doc-title").text == "zz_hostile.txt")
    text = page.find_element(By.ID, "doc-text").get_attribute("textContent")
    assert HOSTILE in text
    assert page.title != "pwned"
    assert not page.find_elements(By.CSS_SELECTOR, "#doc-text img, #doc-text script")


def test_the_page_is_self_contained_and_loads_fast(page: webdriver.Chrome, run: tuple[Path, Path, Path]) -> None:
    base, _, report = run
    html = report.read_text(encoding="utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "src=" not in html.replace("img src=x", "")
    timing = page.execute_script(
        "const t = performance.getEntriesByType('navigation')[0]; return [t.domContentLoadedEventEnd, t.loadEventEnd];"
    )
    assert 0 < timing[0] < 5_000
    page.save_screenshot(str(base / "summary.png"))
    (base / "timing.json").write_text(json.dumps({"bytes": len(html.encode()), "ms": timing}), encoding="utf-8")
