"""The interactive map drawn by a real browser: headless Chromium, offline.

``pvsite.explore`` writes a folium page whose scripts load from the internet. Here nothing may be
fetched, so the page is pointed at Debian's own copy of Leaflet (package ``libjs-leaflet``, which
``.ci/run`` installs with ``chromium``), every other remote script and style sheet is dropped, and
Chromium runs the page. The test counts the building polygons Leaflet drew into the DOM and keeps
a screenshot beside the test's temporary files.
"""

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

import pvsite
from pvsite.output import plot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LEAFLET = Path("/usr/share/javascript/leaflet")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (Debian package chromium; "
                                                ".ci/run installs it)"),
    pytest.mark.skipif(not (LEAFLET / "leaflet.js").exists(),
                       reason="no local Leaflet (Debian package libjs-leaflet; .ci/run "
                              "installs it)"),
]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files", "--virtual-time-budget=5000"]


def offline_page(html: str) -> str:
    """The page with Leaflet from the local copy and every other remote resource removed."""
    html = re.sub(r'<script src="https://[^"]*/leaflet(?:@[^/"]*)?/dist/leaflet\.js">',
                  f'<script src="{(LEAFLET / "leaflet.js").as_uri()}">', html)
    html = re.sub(r'<link rel="stylesheet" href="https://[^"]*/leaflet(?:@[^/"]*)?/dist/'
                  r'leaflet\.css"', f'<link rel="stylesheet" href="'
                  f'{(LEAFLET / "leaflet.css").as_uri()}"', html)
    html = re.sub(r'<script src="https://[^"]*"></script>', "", html)
    return re.sub(r'<link rel="stylesheet" href="https://[^"]*"\s*/?>', "", html)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def campus():
    buildings, _ = pvsite.datasets.shanghai_campuses()
    with warnings.catch_warnings():  # the real extract's own warnings are tested elsewhere
        warnings.simplefilter("ignore", pvsite.PvsiteWarning)
        return pvsite.estimate(buildings.head(60), pvsite.datasets.shanghai_weather(),
                               shading=False)


def test_chromium_draws_every_building_of_the_map(campus, tmp_path):
    page = tmp_path / "map.html"
    plot.explore(campus, tiles=None).save(str(page))
    html = offline_page(page.read_text(encoding="utf-8"))
    assert "<script src=\"https://" not in html
    page.write_text(html, encoding="utf-8")

    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    drawn = re.findall(r'<path[^>]*class="[^"]*leaflet-interactive', dom.stdout)
    assert len(drawn) == campus.geometry.notna().sum() == len(campus)
    assert "OpenStreetMap contributors" in dom.stdout  # the ODbL attribution is on the page

    shot = tmp_path / "map.png"
    done = chromium(tmp_path, "--window-size=1000,800", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    pixels = mpimg.imread(shot)[..., :3]
    background = np.median(pixels.reshape(-1, 3), axis=0)
    coloured = np.abs(pixels - background).sum(axis=-1) > 0.15
    assert coloured.mean() > 0.01  # the buildings are drawn, not an empty grey map
    print(f"screenshot: {shot}")
