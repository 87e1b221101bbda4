"""The index of runs: one page listing every run of a store, its links, its escaping, the
``genlab report --index`` command, and sorting and filtering in a real (headless) browser."""

import json
import re
import shutil
from contextlib import closing
from html.parser import HTMLParser
from urllib.parse import unquote, urlparse

import pytest
from typer.testing import CliRunner

from genlab.cli import app
from genlab.report import render_run_index, write_run_index
from genlab.store import RunStore

EVIL = "</script><img src=x onerror=alert(1)>"
runner = CliRunner()


class Rows(HTMLParser):
    """The table's body rows: per row, each cell's text and the row's link targets."""

    def __init__(self, page: str):
        super().__init__()
        self.rows: list[dict] = []
        self.cell: list[str] | None = None
        self.in_body = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append({"cells": [], "links": []})
        elif self.in_body and tag == "td":
            self.cell = []
        elif self.in_body and tag == "a":
            self.rows[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1]["cells"].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table(page: str) -> dict[str, dict]:
    """run id -> {kind, status, headline, report, links} as the page shows them."""
    out = {}
    for row in Rows(page).rows:
        kind, status, _created, _finished, run_id, headline, report = row["cells"]
        out[run_id] = {"kind": kind, "status": status, "headline": headline, "report": report, "links": row["links"]}
    return out


def page_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="genlab-data">(.*?)</script>', page, re.DOTALL).group(1))


def add_run(store: RunStore, run_id: str, kind: str, summary: dict | None = None, *, error: str | None = None, report: bool = False, running: bool = False) -> None:
    """A run in the store: complete with ``summary``, failed with ``error`` (raised inside ``with run:``), or still running."""
    run = store.start_run(kind, {"kind": kind}, run_id=run_id)
    if error is not None:
        with pytest.raises(RuntimeError), run:
            raise RuntimeError(error)
    elif not running:
        with run:
            run.complete({"ok": True}, summary)
    if report:
        (run.folder / "report.html").write_text(f"<html><body>report of {run_id}</body></html>")


@pytest.fixture
def store(tmp_path) -> RunStore:
    """Five runs, created in this order (the page lists them newest first)."""
    store = RunStore(tmp_path / "runs")
    add_run(store, "m-cert", "certify", {"dataset": "digits", "error_bound": 0.123456789, "bits": 50000}, report=True)
    add_run(store, "b-grok", "grok", {"task": "add", "test_acc": 1.0})
    add_run(store, "x-mem", "memorize", error="out of memory\n  File train.py, line 3")
    add_run(store, "a-cert", "certify", {"dataset": "mnist", "error_bound": 1234567.0}, report=True)
    add_run(store, "k-grok", "grok", running=True)
    return store


def test_the_page_lists_every_run_with_its_status_and_headline_numbers(store):
    page = write_run_index(store.root).read_text()
    rows = table(page)
    assert list(rows) == ["k-grok", "a-cert", "x-mem", "b-grok", "m-cert"]  # newest first, as the store lists them
    assert {i: r["status"] for i, r in rows.items()} == {"k-grok": "running", "a-cert": "complete", "x-mem": "failed", "b-grok": "complete", "m-cert": "complete"}
    assert {i: r["kind"] for i, r in rows.items()} == {"k-grok": "grok", "a-cert": "certify", "x-mem": "memorize", "b-grok": "grok", "m-cert": "certify"}
    assert "error_bound 0.1235" in rows["m-cert"]["headline"] and "bits 50000" in rows["m-cert"]["headline"]  # 4 significant digits; integers exact
    assert "error_bound 1.235e+06" in rows["a-cert"]["headline"]
    assert rows["x-mem"]["headline"] == "RuntimeError: out of memory"  # the error's first line only
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)\s*=", page, re.IGNORECASE)  # nothing is fetched
    assert [r["id"] for r in page_data(page)["runs"]] == list(rows)


def test_links_appear_only_for_reports_that_exist_and_are_relative(store, tmp_path):
    page_path = write_run_index(store.root)
    assert page_path == store.root / "index.html"
    rows = table(page_path.read_text())
    assert {i for i, r in rows.items() if r["links"]} == {"m-cert", "a-cert"}
    assert all(r["report"] == "no report" for i, r in rows.items() if i not in {"m-cert", "a-cert"})
    copy = tmp_path / "copied"
    shutil.copytree(store.root, copy)  # the page keeps working where the folder goes
    for run_id in ("m-cert", "a-cert"):
        (href,) = rows[run_id]["links"]
        assert not urlparse(href).scheme and not href.startswith("/")
        target = (copy / unquote(href)).resolve()
        assert target == (copy / run_id / "report.html").resolve() and target.is_file()


def test_links_are_relative_to_the_page_when_it_is_written_elsewhere(store, tmp_path):
    (tmp_path / "site").mkdir()
    page_path = write_run_index(store.root, tmp_path / "site" / "all-runs.html")
    (href,) = table(page_path.read_text())["m-cert"]["links"]
    assert href == "../runs/m-cert/report.html" and (page_path.parent / href).resolve() == (store.root / "m-cert" / "report.html").resolve()


def test_every_string_is_escaped(tmp_path):
    store = RunStore(tmp_path / "runs")
    odd_id = "a\"'<b>&c"
    add_run(store, odd_id, "<i>kind</i>", {EVIL: EVIL, "n": 3}, report=True)
    add_run(store, "failed", "grok", error="<svg onload=alert(2)>")
    page = write_run_index(store.root).read_text()
    for raw in (EVIL, "<img", "<svg", "<i>kind", odd_id):
        assert raw not in page
    assert len(re.findall(r"<script\b", page)) == 2  # the data and the code, nothing injected
    rows = table(page)
    assert rows[odd_id]["kind"] == "<i>kind</i>" and EVIL in rows[odd_id]["headline"] and rows["failed"]["headline"] == "RuntimeError: <svg onload=alert(2)>"
    (href,) = rows[odd_id]["links"]
    assert (store.root / unquote(href)).is_file()
    data = {r["id"]: r for r in page_data(page)["runs"]}
    assert data[odd_id]["summary"][EVIL] == EVIL and data[odd_id]["kind"] == "<i>kind</i>"


def test_a_store_without_runs_says_so(tmp_path):
    store = RunStore(tmp_path / "runs")
    with closing(store._db()):  # the index exists, with no row
        pass
    page = write_run_index(store.root).read_text()
    assert "There are no runs in" in page and "<table" not in page
    assert "no runs" in render_run_index([], tmp_path)


@pytest.mark.parametrize("make", [lambda p: None, lambda p: p.mkdir()], ids=["missing", "not-a-store"])
def test_a_missing_or_empty_store_is_a_clear_error(tmp_path, make):
    folder = tmp_path / "nowhere"
    make(folder)
    with pytest.raises(FileNotFoundError, match=r"nowhere.*genlab runs --out <folder>"):
        write_run_index(folder)
    assert not (folder / "index.html").exists() and not (folder / "index.sqlite").exists()


def output(result) -> str:
    return " ".join(result.output.split())  # Rich wraps long lines


def test_the_cli_writes_the_index(store, tmp_path):
    result = runner.invoke(app, ["report", "--index", str(store.root)])
    assert result.exit_code == 0, result.output
    page = store.root / "index.html"
    assert "index.html" in output(result) and set(table(page.read_text())) == {"m-cert", "b-grok", "x-mem", "a-cert", "k-grok"}
    result = runner.invoke(app, ["report", "--index", str(store.root), "--out", str(tmp_path / "elsewhere.html")])
    assert result.exit_code == 0, result.output
    assert table((tmp_path / "elsewhere.html").read_text())["m-cert"]["links"] == ["runs/m-cert/report.html"]


def test_the_cli_explains_what_it_needs(tmp_path, store):
    result = runner.invoke(app, ["report", "--index", str(tmp_path / "no-such-store")])
    assert result.exit_code != 0 and "no-such-store" in output(result) and "genlab runs --out <folder>" in output(result)
    result = runner.invoke(app, ["report"])
    assert result.exit_code != 0 and "--index <run store>" in output(result) and "run folder" in output(result)
    result = runner.invoke(app, ["report", str(store.root / "m-cert"), "--index", str(store.root)])
    assert result.exit_code != 0 and "not both" in output(result)


# ---------------------------------------------------------------- in a browser


VISIBLE_IDS = "return Array.from(document.querySelectorAll('table.runs tbody tr')).filter(r => r.getClientRects().length > 0).map(r => r.querySelector('td.id').textContent)"


def severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_filtering_and_sorting_in_a_browser(browser, store):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = write_run_index(store.root)
    browser.get(page.as_uri())
    everything = ["k-grok", "a-cert", "x-mem", "b-grok", "m-cert"]
    assert browser.execute_script(VISIBLE_IDS) == everything
    assert browser.find_element(By.ID, "shown-count").text == "5 of 5 runs shown"

    box = browser.find_element(By.ID, "filter-text")
    box.send_keys("grok")
    assert browser.execute_script(VISIBLE_IDS) == ["k-grok", "b-grok"]
    assert browser.find_element(By.ID, "shown-count").text == "2 of 5 runs shown"
    box.send_keys(" add")  # every word must match: the grok run with task "add"
    assert browser.execute_script(VISIBLE_IDS) == ["b-grok"]
    box.clear()
    box.send_keys("MNIST")  # case-insensitive, headline numbers included
    assert browser.execute_script(VISIBLE_IDS) == ["a-cert"]
    box.clear()
    box.send_keys(" ")
    assert browser.execute_script(VISIBLE_IDS) == everything

    kind, status = Select(browser.find_element(By.ID, "filter-kind")), Select(browser.find_element(By.ID, "filter-status"))
    kind.select_by_value("certify")
    assert browser.execute_script(VISIBLE_IDS) == ["a-cert", "m-cert"]
    kind.select_by_value("grok")
    status.select_by_value("running")
    assert browser.execute_script(VISIBLE_IDS) == ["k-grok"]
    kind.select_by_value("")
    status.select_by_value("failed")
    assert browser.execute_script(VISIBLE_IDS) == ["x-mem"]
    status.select_by_value("")
    assert browser.execute_script(VISIBLE_IDS) == everything

    header = browser.find_element(By.CSS_SELECTOR, "th[data-key='id']")
    header.click()
    assert browser.execute_script(VISIBLE_IDS) == sorted(everything)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert browser.execute_script(VISIBLE_IDS) == sorted(everything, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    browser.find_element(By.CSS_SELECTOR, "th[data-key='created']").click()
    assert browser.execute_script(VISIBLE_IDS) == everything[::-1]  # oldest first
    finished = browser.find_element(By.CSS_SELECTOR, "th[data-key='finished']")
    for _ in range(2):
        finished.click()
        assert browser.execute_script(VISIBLE_IDS)[-1] == "k-grok"  # a run not finished yet goes last either way

    kind.select_by_value("certify")  # a filter keeps the sorted order: latest finished first
    assert browser.execute_script(VISIBLE_IDS) == ["a-cert", "m-cert"]
    link = browser.find_element(By.CSS_SELECTOR, "tr:not([hidden]) td.report a")
    assert link.get_attribute("href") == (store.root / "a-cert" / "report.html").resolve().as_uri()
    assert not severe(browser)
