"""The review page of a large run: its size, how long it takes to build, and how fast it loads and
responds in headless Chromium.

python bench/bench_review.py --mb 50 --files 500

A synthetic corpus (bench/synth.py: seed paragraphs spliced with OCR noise) is cut into files and
cleaned with the repository's rules; the page is built with the default limits and opened in
Debian's Chromium through chromedriver (skipped, with a note, when either is missing).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

from cleaner.config import Config
from cleaner.corpus import clean_corpus
from cleaner.review import DEFAULT_MAX_EDITS, DEFAULT_MAX_TEXT, build_report

# Chromium as the review page is tested and measured: headless, no network, a fresh profile (added
# by the caller); shared with tests/test_review_browser.py.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

ROOT = Path(__file__).resolve().parent.parent

# Run inside the page: time from navigation start to the script's ready mark, then the cost of a
# rule filter, of opening the largest document and of stepping to its next edit.
PAGE_TIMES = """
const nav = performance.getEntriesByType('navigation')[0];
const out = {dom_content_loaded_ms: nav.domContentLoadedEventEnd, load_ms: nav.loadEventEnd};
const data = JSON.parse(document.getElementById('data').textContent);
let t = performance.now();
const rule = document.getElementById('f-rule');
rule.value = data.rules[0][0];
rule.dispatchEvent(new Event('change'));
out.rule_filter_ms = performance.now() - t;
out.rule_filter_rows = document.querySelectorAll('#hits .hit').length;
let largest = 0;
data.docs.forEach((d, n) => { if (d.shown > data.docs[largest].shown) largest = n; });
t = performance.now();
location.hash = '#doc=' + largest;
window.dispatchEvent(new HashChangeEvent('hashchange'));
out.open_largest_document_ms = performance.now() - t;
out.largest_document_marks = document.querySelectorAll('#doc-text [data-e]').length;
t = performance.now();
document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'j', bubbles: true}));
out.next_edit_ms = performance.now() - t;
return out;
"""


def make_corpus(folder: Path, megabytes: float, files: int) -> int:
    text = synth.synthetic_text(megabytes)
    paragraphs = text.split("\n\n")
    per_file = max(len(paragraphs) // files, 1)
    folder.mkdir(parents=True)
    for number in range(files):
        chunk = paragraphs[number * per_file : (number + 1) * per_file if number < files - 1 else None]
        (folder / f"{number:05d}.txt").write_text("\n\n".join(chunk) + "\n", encoding="utf-8")
    return sum(path.stat().st_size for path in folder.iterdir())


def browser_times(page: Path) -> dict[str, float] | str:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        return "chromium or chromedriver missing: not measured in a browser"
    from selenium import webdriver
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="review-bench-profile-")
    for flag in (*HEADLESS_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    try:
        driver.set_page_load_timeout(300)
        started = time.perf_counter()
        driver.get(page.as_uri())
        WebDriverWait(driver, 300).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
        times = {"wall_until_ready_ms": (time.perf_counter() - started) * 1000}
        times.update(driver.execute_script(PAGE_TIMES))
        return times
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (UTF-8)")
    parser.add_argument("--files", type=int, default=500, help="number of files the corpus is cut into")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the clean run")
    parser.add_argument("--max-edits", type=int, default=DEFAULT_MAX_EDITS)
    parser.add_argument("--max-text", type=int, default=DEFAULT_MAX_TEXT)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="review-bench-"))
    try:
        src, dst, page = work / "src", work / "out", work / "review.html"
        size = make_corpus(src, args.mb, args.files)
        config = Config().with_options({"rules": {"paths": [str(ROOT / "rules")]}})
        started = time.perf_counter()
        summary = clean_corpus(src, dst, config, jobs=args.jobs)
        cleaning = time.perf_counter() - started
        started = time.perf_counter()
        stats = build_report(dst, page, src=src, max_edits=args.max_edits, max_text=args.max_text)
        building = time.perf_counter() - started
        figures = {
            "corpus_bytes": size,
            "files": summary.files,
            "edits": stats.edits,
            "clean_s": round(cleaning, 1),
            "build_report_s": round(building, 1),
            "page_bytes": stats.size,
            "edits_in_page": stats.edits_shown,
            "texts_in_page": f"{stats.texts_shown} of {stats.documents}",
            "browser": browser_times(page),
        }
        print(json.dumps(figures, indent=2))
        print(stats.format())
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
