"""report.html in a real headless Chromium, on a report written by a real `bpfconform run`
(libbpf + python adapters, `-k data`): the script builds one cell per result, PASS cells
are painted in the PASS colour (counted in the screenshot's pixels), and a `#r=N` link opens
the details panel."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from report_png import decode
from require import require_adapter, require_tool

from harness.report import html_report
from harness.run import runner

ROOT = runner.REPO_ROOT
PASS_RGB = (0x2D, 0xA4, 0x4E)  # --pass in html_report.CSS
FAIL_RGB = (0xCF, 0x22, 0x2E)
CELL_PIXELS = 1500  # a grid cell is about 90 x 24 pixels; the counts header is ~ 40 x 22
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--window-size=1400,900")


@dataclass(frozen=True)
class Browser:
    """The chromium binary and a scratch directory for its profiles."""

    exe: str
    tmp: Path

    def run(self, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        profile = self.tmp / f"profile-{len(list(self.tmp.iterdir()))}"
        return subprocess.run([self.exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args,
                               url], capture_output=True, text=True, timeout=120, check=True)

    def screenshot(self, url: str, png: Path) -> Path:
        self.run(url, f"--screenshot={png}")
        assert png.is_file(), f"chromium wrote no screenshot of {url}"
        return png

    def dom(self, url: str) -> str:
        return self.run(url, "--dump-dom").stdout


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    exe = require_tool("chromium", ".ci/install (harness/apt.txt: apt-get install chromium "
                                   "fonts-dejavu-core)")
    return Browser(exe, tmp_path_factory.mktemp("chromium"))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for name in ("libbpf", "python"):
        require_adapter(name)
    out = tmp_path_factory.mktemp("run")
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--adapter", "libbpf",
                           "--adapter", "python", "-k", "data", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 1: some item failed
    assert (out / "report.html").is_file(), proc.stdout + proc.stderr
    return out


def results(run: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((run / "results.json").read_text())["results"]
    return rows


def test_the_script_builds_one_cell_per_item_and_adapter(browser: Browser, real_run: Path
                                                          ) -> None:
    rows = results(real_run)
    items = {(r["file"], r["program"]) for r in rows}
    assert len(items) > 5 and {r["adapter"] for r in rows} == {"libbpf", "python"}
    dom = browser.dom((real_run / "report.html").as_uri())
    cells = re.findall(r'<td class="cell v-(\w+)[^"]*" data-r="(\d+)"', dom)
    assert len(cells) == len(items) * 2 == len(rows)
    assert sorted(int(i) for _, i in cells) == list(range(len(rows)))
    assert all(v == rows[int(i)]["verdict"] for v, i in cells)
    assert "libbpf 1." in dom  # the library version in the column header
    assert f"{len(items)} of {len(items)} items shown" in dom


def test_pass_cells_are_painted_in_the_pass_colour(browser: Browser, real_run: Path) -> None:
    rows = results(real_run)
    passes = sum(r["verdict"] == "PASS" for r in rows)
    assert passes >= 10, "the data family should mostly pass under libbpf"
    png = browser.screenshot((real_run / "report.html").as_uri(), real_run / "shot.png")
    image = decode(png)
    assert (image.width, image.height) == (1400, 900)
    colours = image.colours()
    # more PASS-coloured pixels than the counts header and legend could paint: cells
    assert colours[PASS_RGB] > 10 * CELL_PIXELS, colours.most_common(8)


def test_a_page_without_passes_has_no_pass_cells_in_its_pixels(browser: Browser,
                                                               tmp_path: Path) -> None:
    # the negative control of the test above: the threshold is not met by the header alone
    rows = [{"program": f"p{i}", "file": f"data/p{i}.bpf.c", "behaviour": "data.x",
             "adapter": a, "kernel": "k", "compiler": "c", "verdict": "FAIL",
             "reason": "retval 7"} for i in range(30) for a in ("libbpf", "python")]
    page = html_report.write(tmp_path / "report.html", {"meta": {}, "results": rows})
    colours = decode(browser.screenshot(page.as_uri(), tmp_path / "shot.png")).colours()
    assert colours[PASS_RGB] < 2 * CELL_PIXELS
    assert colours[FAIL_RGB] > 10 * CELL_PIXELS


def test_a_cell_link_opens_its_details(browser: Browser, real_run: Path) -> None:
    rows = results(real_run)
    # a cell whose adapter reported timings (an item that ran), a non-PASS one if any
    timed = [n for n, r in enumerate(rows) if r.get("ns")]
    assert timed, "no result of the real run carries timings"
    i = next((n for n in timed if rows[n]["verdict"] != "PASS"), timed[0])
    dom = browser.dom((real_run / "report.html").as_uri() + f"#r={i}")
    panel = dom[dom.index('<aside id="detail"'):]
    assert panel.startswith('<aside id="detail">')  # no `hidden` attribute
    assert rows[i]["program"] in panel and rows[i]["verdict"] in panel
    assert "timings (wall time per phase)" in panel and " ns</td>" in panel
