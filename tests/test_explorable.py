"""The grokking explorable: the run and sweep pages, the star projection, and both pages in a real
(headless) browser."""

import base64
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from genlab.phenomena.grokking import GrokConfig, make_task
from genlab.phenomena.grokking import run as grok
from genlab.report import render_grok_page, render_grok_sweep_page, write_grok_report, write_grok_sweep_report, write_report
from genlab.report._grokking import MAX_FRAMES, _frame_indices, _pack, fourier_plane, star_projection

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def modular_run():
    r = grok(GrokConfig(p=13, steps=40, log_every=10, width=32, embed=16), progress=False)
    return r.to_dict() | {"snapshots": r.snapshots}  # result.json's content, and the snapshots file


@pytest.fixture(scope="module")
def parity_run():
    r = grok(GrokConfig(task="parity", n_bits=12, k_bits=3, train_size=200, width=32, steps=40, log_every=10), progress=False)
    return r.to_dict() | {"snapshots": r.snapshots}


def page_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="genlab-data">(.*?)</script>', page, re.S).group(1).replace("<\\/", "</"))


def run_folder(folder: Path, result: dict) -> Path:
    """The files ``genlab grok`` leaves in a run folder."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"kind": "grok", "grok": result["config"]}))
    (folder / "result.json").write_text(json.dumps({k: v for k, v in result.items() if k != "snapshots"}))
    save_file(result["snapshots"], folder / "snapshots.safetensors")
    return folder


def sweep_folder(folder: Path, run: dict) -> tuple[Path, dict]:
    """A 2 x 2 grok-sweep folder whose cells reuse ``run``'s history; cell (1, 1) has no snapshots."""
    phases = [["comprehension", "grokking"], ["memorization", "confusion"]]
    cells = []
    (folder / "tasks").mkdir(parents=True)
    for r, wd in enumerate([0.3, 1.0]):
        for c, frac in enumerate([0.4, 0.8]):
            key = f"{r}{c}" * 8
            cells.append({"row": r, "col": c, "key": key, "config": {**run["config"], "weight_decay": wd, "train_frac": frac}, "phase": phases[r][c],
                          "steps_to_train_99": 10, "steps_to_test_99": None if r else 30, "grokking_delay": None if r else 20,
                          "final": run["final"], "history": run["history"], "wall_seconds": 1.5})
            if (r, c) != (1, 1):
                save_file({"snapshot_steps": run["snapshots"]["steps"], "snapshot_weights": run["snapshots"]["weights"], "history_step": torch.zeros(3)},
                          folder / "tasks" / f"{key}.safetensors")
    result = {"kind": "grok-sweep", "base": run["config"], "rows": {"name": "weight_decay", "values": [0.3, 1.0]}, "cols": {"name": "train_frac", "values": [0.4, 0.8]},
              "phase_rule": "grokking when test accuracy reaches 99% at least 2 logged steps after train accuracy", "wall_seconds": 6.0, "cells": cells}
    (folder / "config.json").write_text(json.dumps({"kind": "grok-sweep"}))
    (folder / "result.json").write_text(json.dumps(result))
    return folder, result


# ---------------------------------------------------------------- the mathematics


def test_star_projection_of_a_fourier_embedding_is_a_regular_star():
    p, f, g = 17, 3, 5
    a = np.arange(p)
    circles = np.stack([np.cos(2 * np.pi * f * a / p), np.sin(2 * np.pi * f * a / p), np.cos(2 * np.pi * g * a / p), np.sin(2 * np.pi * g * a / p)], 1)
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(8, 8)))
    embedding = circles @ rotation[:4] + 2.5  # two frequencies in a rotated 8-d space, off-centre
    for freq in (f, g):
        xy = star_projection(embedding, fourier_plane(embedding, freq))
        assert np.allclose(np.hypot(xy[:, 0], xy[:, 1]), 1, atol=1e-9)  # every token on the unit circle
        turn = np.angle(np.exp(1j * np.diff(np.arctan2(xy[:, 1], xy[:, 0]))))
        assert np.allclose(np.abs(turn), 2 * np.pi * freq / p, atol=1e-9)  # consecutive tokens freq/p of a turn apart: the star {p/freq}
    assert np.allclose(fourier_plane(embedding, f) @ fourier_plane(embedding, f).T, np.eye(2), atol=1e-12)


def test_frames_are_at_most_max_frames_and_keep_both_ends():
    assert _frame_indices(5) == [0, 1, 2, 3, 4]
    frames = _frame_indices(121)
    assert len(frames) == MAX_FRAMES and frames[0] == 0 and frames[-1] == 120 and frames == sorted(set(frames))


def test_pack_round_trips_within_half_a_level():
    x = np.random.default_rng(1).normal(size=(7, 13, 2))
    packed = _pack(x)
    levels = np.frombuffer(base64.b64decode(packed["b64"]), dtype=np.uint8).reshape(packed["shape"])
    decoded = packed["lo"] + levels * (packed["hi"] - packed["lo"]) / 255
    assert np.abs(decoded - x).max() <= (x.max() - x.min()) / 510 + 1e-12


# ---------------------------------------------------------------- the run page


@pytest.mark.parametrize("name", ["modular_run", "parity_run"])
def test_run_page_is_self_contained(name, request):
    run = request.getfixturevalue(name)
    page = render_grok_page(run, run["snapshots"])
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I)  # no script is fetched, from a CDN or anywhere
    assert page.count("* plotly.js v") == 1  # plotly.js inlined exactly once
    assert 'id="step-slider"' in page and "window.genlabSetStep" in page
    data = page_data(page)
    assert data["steps"] == [0, 10, 20, 30, 40] and data["records"] == [0, 1, 2, 3, 4]
    assert set(data["cursor_plots"]) >= {"loss", "accuracy", "norm"} and all(data["figures"][i]["layout"]["shapes"][0]["x0"] == 40 for i in data["cursor_plots"])


def test_modular_page_draws_a_star_per_key_frequency_and_the_spectrum_per_step(modular_run):
    data = page_data(render_grok_page(modular_run, modular_run["snapshots"]))
    keys = modular_run["history"][-1]["key_frequencies"]
    assert [s["f"] for s in data["stars"]] == keys and all(s["xy"]["shape"] == [5, 13, 2] for s in data["stars"])
    assert [data["figures"][f"star-{j}"]["data"][0]["x"][-1] for j in range(5)] == [data["figures"][f"star-{j}"]["data"][0]["x"][0] for j in range(5)]  # closed polygon
    assert len(data["spectra"]) == 5 and all(abs(sum(s) - 1) < 1e-3 for s in data["spectra"])
    assert data["figures"]["spectrum"]["data"][0]["marker"]["color"].count("#c62828") == 5
    # the spectra are the study's own records, frame by frame (the page computes nothing from the weights)
    by_step = {h["step"]: h["spectrum"] for h in modular_run["history"]}
    assert np.allclose(data["spectra"], [by_step[s] for s in data["steps"]], atol=1e-5)
    # a run without recorded spectra gets no stars and no spectrum, not numbers the study never made
    stripped = {**modular_run, "history": [{k: v for k, v in h.items() if k != "spectrum"} for h in modular_run["history"]]}
    assert page_data(render_grok_page(stripped, modular_run["snapshots"]))["spectra"] is None
    assert {"energy", "circuit"} <= set(data["cursor_plots"])


def test_parity_page_shows_first_layer_weights_with_the_relevant_bits_marked(parity_run):
    page = render_grok_page(parity_run, parity_run["snapshots"])
    data = page_data(page)
    relevant = make_task(GrokConfig(**parity_run["config"]))["relevant"].tolist()
    heatmap = data["figures"]["weights"]
    assert data["weights"]["units"] == 32 and data["weights"]["bits"] == 12 and data["weights"]["abs"]["shape"] == [5, 32, 12]
    assert [i for i, t in enumerate(heatmap["layout"]["xaxis"]["ticktext"]) if t.endswith("★")] == relevant
    assert sorted(s["x0"] + 0.5 for s in heatmap["layout"]["shapes"]) == relevant
    assert np.allclose(heatmap["data"][0]["z"], parity_run["snapshots"]["weights"][-1].float().abs().numpy()[[int(u) for u in heatmap["data"][0]["y"]]], atol=1e-4)
    assert "share" in data["cursor_plots"] and data["stars"] == [] and data["spectra"] is None
    assert f"<th>relevant bits</th><td>{', '.join(map(str, relevant))}</td>" in page


def test_page_without_snapshots_has_curves_and_a_slider_over_the_history(modular_run):
    data = page_data(render_grok_page(modular_run, None))
    assert data["steps"] == [0, 10, 20, 30, 40] and data["stars"] == [] and "spectrum" not in data["figures"]


HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"  # what a browser shows as the text above


def test_run_page_escapes_its_title_config_and_back_link(modular_run):
    hostile = {**modular_run, "config": {**modular_run["config"], "device": HOSTILE}}
    page = render_grok_page(hostile, hostile["snapshots"], title=HOSTILE, back_link='../report.html?a=1&b="2"')
    assert "<script>alert" not in page and " & co" not in page
    assert f"<title>{ESCAPED}</title>" in page and f"<h1>{ESCAPED}</h1>" in page
    assert "&quot;device&quot;: &quot;&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt; &amp; co&quot;" in page  # the config's JSON, escaped for HTML
    assert '<a href="../report.html?a=1&amp;b=&quot;2&quot;">' in page


def test_write_report_writes_the_explorable_of_a_grok_run(tmp_path, modular_run):
    folder = run_folder(tmp_path / "run", modular_run)
    path = write_report(folder)
    assert path == folder / "report.html" and sorted(p.name for p in folder.iterdir()) == ["config.json", "report.html", "result.json", "snapshots.safetensors"]
    assert page_data(path.read_text())["steps"] == [0, 10, 20, 30, 40]
    assert write_grok_report(folder).read_text() == path.read_text()  # deterministic


# ---------------------------------------------------------------- the sweep page


def test_sweep_page_links_every_cell_to_its_own_page(tmp_path, modular_run):
    folder, result = sweep_folder(tmp_path / "sweep", modular_run)
    path = write_report(folder)
    page = path.read_text()
    data = page_data(page)
    keys = [[c["key"] for c in result["cells"] if c["row"] == r] for r in range(2)]
    assert data["links"] == [[f"cells/{k}.html" for k in row] for row in keys]
    assert data["figure"]["data"][0]["z"] == [[0, 1], [2, 3]] and data["figure"]["data"][0]["text"] == [["30", "30"], ["—", "—"]]
    for cell in result["cells"]:
        assert f'href="cells/{cell["key"]}.html"' in page
        cell_path = folder / "cells" / f"{cell['key']}.html"
        cell_page = cell_path.read_text()
        (back,) = re.findall(r'<a href="([^"]*)">← back to the sweep</a>', cell_page)
        assert (cell_path.parent / html.unescape(back)).resolve() == path.resolve()  # the link, followed from the cell's folder, reaches the sweep page
        assert f"weight_decay = {result['rows']['values'][cell['row']]}" in cell_page
        assert len(page_data(cell_page)["stars"]) == (0 if cell["key"] == "11" * 8 else 5)
    links = re.findall(r'<a href="([^"]*)">explorable</a>', page)
    assert len(links) == 4 and all((folder / html.unescape(link)).is_file() for link in links)
    assert not list(folder.glob("**/.*.tmp-*"))
    assert render_grok_sweep_page(result) == page


def test_sweep_pages_escape_the_configs_and_the_phase_rule(tmp_path, modular_run):
    folder, result = sweep_folder(tmp_path / "sweep", modular_run)
    result["base"] = {**result["base"], "device": HOSTILE}
    result["phase_rule"] = HOSTILE
    for cell in result["cells"]:
        cell["config"] = {**cell["config"], "device": HOSTILE}
    (folder / "result.json").write_text(json.dumps(result))
    report = write_grok_sweep_report(folder)
    pages = [report.read_text(), *(p.read_text() for p in sorted((folder / "cells").glob("*.html")))]
    assert len(pages) == 5
    for page in pages:
        assert "<script>alert" not in page and " & co" not in page and "&lt;script&gt;alert(" in page
    assert f"Phase rule: {ESCAPED}" in pages[0]


def test_sweep_refuses_a_cell_key_that_is_not_a_file_name(modular_run, tmp_path):
    _, result = sweep_folder(tmp_path / "sweep", modular_run)
    result["cells"][0]["key"] = "../../etc"
    with pytest.raises(ValueError, match="not a plain file name"):
        render_grok_sweep_page(result)


# ---------------------------------------------------------------- in a browser


def wait_for(driver, script: str, expected, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: d.execute_script(script) == expected)


def severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_slider_redraws_every_plot_in_a_browser(browser, tmp_path, modular_run, parity_run):
    path = write_grok_report(run_folder(tmp_path / "run", modular_run))
    browser.get(path.as_uri())
    wait_for(browser, "return document.body.dataset.renderedStep", "40")
    read = ("return [document.getElementById('step-text').textContent, document.getElementById('loss').layout.shapes[0].x0,"
            " document.getElementById('star-0').data[0].x.slice(), document.getElementById('spectrum').data[0].y.slice(), window.genlabRedraws]")
    text, cursor, star_x, spectrum, redraws = browser.execute_script(read)
    assert text.startswith("step 40 of 40") and cursor == 40
    browser.execute_script("const s = document.getElementById('step-slider'); s.value = 0; s.dispatchEvent(new Event('input'));")  # what dragging does
    wait_for(browser, "return document.body.dataset.renderedStep", "0")
    text0, cursor0, star_x0, spectrum0, redraws0 = browser.execute_script(read)
    assert text0.startswith("step 0 of 40") and cursor0 == 0 and redraws0 == redraws + 1
    assert len(star_x0) == 14 and star_x0 != star_x and spectrum0 != spectrum  # the stars and the spectrum were redrawn from the step-0 snapshot
    assert not severe(browser)
    browser.execute_script("window.genlabSetStep(2)")
    wait_for(browser, "return document.body.dataset.renderedStep", "20")
    browser.set_window_size(1100, browser.execute_script("return document.body.scrollHeight") + 50)
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "explorable.png"))

    path = write_grok_report(run_folder(tmp_path / "parity", parity_run))
    browser.get(path.as_uri())
    wait_for(browser, "return document.body.dataset.renderedStep", "40")
    z = browser.execute_script("return document.getElementById('weights').data[0].z.map(r => r.slice())")
    browser.execute_script("window.genlabSetStep(0)")
    wait_for(browser, "return document.body.dataset.renderedStep", "0")
    z0 = browser.execute_script("return document.getElementById('weights').data[0].z.map(r => r.slice())")
    assert np.shape(z0) == (32, 12) and not np.allclose(z0, z)
    assert not severe(browser)


def test_sweep_cells_open_their_page_in_a_browser(browser, tmp_path, modular_run):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    folder, result = sweep_folder(tmp_path / "sweep", modular_run)
    report = write_grok_sweep_report(folder)
    browser.set_window_size(1100, 1400)
    browser.get(report.as_uri())
    wait_for(browser, "return document.body.dataset.rendered", "1")
    plot_area = browser.find_element(By.CSS_SELECTOR, "#phase .nsewdrag")
    width, height = plot_area.size["width"], plot_area.size["height"]
    ActionChains(browser).move_to_element_with_offset(plot_area, -width // 4, height // 4).click().perform()  # offsets from the centre: the lower-left cell, row 1, column 0
    key = next(c["key"] for c in result["cells"] if (c["row"], c["col"]) == (1, 0))
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith(f"cells/{key}.html"))
    wait_for(browser, "return document.body.dataset.renderedStep", "40")  # the cell's own explorable, drawn
    assert browser.find_element(By.LINK_TEXT, "← back to the sweep").get_attribute("href") == report.as_uri()
    assert not severe(browser)
