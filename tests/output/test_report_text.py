"""report.md in Chinese, maps as PDF/SVG with their Chinese text, the OpenStreetMap credit on
maps and exports, and what `pvsite run` says about sites and districts (issues 19 and 20)."""

import json
import re
import string

import geopandas as gpd
import matplotlib
import pytest
import shapely
from pyproj import Transformer

import pvsite
from pvsite.cli import main
from pvsite.errors import ArgumentError, PvsiteWarning
from pvsite.inputs.osm import ATTRIBUTION
from pvsite.output import plot
from pvsite.output.report_text import EN, TEXT, ZH

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X0, Y0 = Transformer.from_crs(4326, 32651, always_xy=True).transform(121.43, 31.18)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fields(template):
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_english_text_has_a_chinese_one_with_the_same_fields():
    assert set(TEXT) == {"en", "zh"}
    assert set(ZH) == set(EN)
    for key, en in EN.items():
        assert ZH[key].strip(), key
        assert _fields(ZH[key]) == _fields(en), key
    # the Chinese headers and table heads are Chinese
    for key in [k for k in EN if k.startswith(("h_", "col_"))] + ["title"]:
        assert CJK.search(ZH[key]), key


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("zh")
    b = pvsite.datasets.shanghai_buildings().head(60)
    b.to_file(tmp / "in.gpkg")
    out = tmp / "out"
    assert main(["run", "--footprints", str(tmp / "in.gpkg"), "--target-kw", "2000",
                 "--no-shading", "--lang", "zh", "--map-format", "svg", "--dpi", "100",
                 "--out", str(out)]) == 0
    return out


def test_chinese_report_of_the_bundled_data(zh_run):
    text = (zh_run / "report.md").read_text(encoding="utf-8")
    assert text.startswith(f"# {ZH['title']}\n")
    headers = [line for line in text.splitlines() if line.startswith("#")]
    assert len(headers) >= 6 and all(CJK.search(h) for h in headers)
    english = {EN[k].split("{")[0].strip() for k in EN if k.startswith("h_")}
    for h in headers:
        assert not any(e and e in h for e in english), h
    # the districts of the run, by their Chinese names, in the table
    districts = gpd.read_file(zh_run / "buildings.geojson")["district"].dropna().unique()
    assert len(districts) >= 3
    for d in districts:
        assert f"| {d} |" in text
    assert "Jiading" not in text and "Songjiang" not in text  # no English district names
    # maps as SVG: written, linked, glyphs as paths (no font needed to view them)
    for name in ("map_capacity.svg", "map_districts.svg", "plan.svg"):
        svg = (zh_run / name).read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<text" not in svg and f"]({name})" in text
    assert not list(zh_run.glob("*.png"))


def test_chinese_shortfall_carries_the_english_notes(zh_run, shanghai_weather):
    from pvsite.cli import _shortfall_lines
    from pvsite.output.report_text import text

    # the run above: targets shared out, all of each roof built
    shortfall = (zh_run / "report.md").read_text(encoding="utf-8").split("\n## ")[2]
    assert f"- 各区目标：{ZH['targets_shared']}。" in shortfall
    assert "建设比例" not in shortfall
    # given district targets and half of each roof: the two notes shortfall() writes
    result = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(40), shanghai_weather,
                             shading=False)
    district = str(result["district"].dropna().iloc[0])
    report = pvsite.shortfall(result, 1000, uptake=0.5, district_targets_kw={district: 1000})
    assert report.notes == ["District targets: district targets given.",
                            "Uptake 50% of each roof's technical potential."]
    assert set(report.notes) <= set(report.summary().splitlines())  # the English report's
    lines = _shortfall_lines(report, text("zh"), "zh")
    assert lines[-2:] == [f"各区目标：{ZH['targets_given']}。",
                          "建设比例：按各屋顶技术潜力的 50% 计入。"]


def test_pdf_keeps_chinese_text_as_an_embedded_font(tmp_path):
    font = pvsite.cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "嘉定区 Jiading", fontfamily=[font, "DejaVu Sans"])
    out = plot.save_figure(fig, tmp_path / "m.pdf")
    plt.close(fig)
    data = out.read_bytes()
    # fonttype 42: a CID TrueType font embedded (not Type 3 bitmaps of the glyphs)
    assert data.startswith(b"%PDF") and b"/CIDFontType2" in data and b"/Type3" not in data
    assert re.search(rb"/BaseFont /[A-Z]{6}\+" + font.replace(" ", "").encode()[:9], data)


def test_save_figure_png_dpi_and_bad_format(tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3))
    png = plot.save_figure(fig, tmp_path / "m.png")  # 200 dpi by default: 800 x 600 pixels
    assert png.read_bytes()[16:24] == (800).to_bytes(4, "big") + (600).to_bytes(4, "big")
    with pytest.raises(ArgumentError, match="format='jpg'"):
        plot.save_figure(fig, tmp_path / "m.jpg")
    plt.close(fig)


# --- the OpenStreetMap credit --------------------------------------------------------------


@pytest.fixture(scope="module")
def osm_result(shanghai_weather):
    geoms = [shapely.box(X0 + 100 * i, Y0, X0 + 100 * i + 40, Y0 + 30) for i in range(3)]
    b = gpd.GeoDataFrame({"height": [15.0] * 3, "institution_type": ["school"] * 3},
                         geometry=geoms, crs=32651)
    b.attrs = {"source": "an extract", "attribution": ATTRIBUTION}
    return pvsite.estimate(b, shanghai_weather, shading=False)


def _credits(ax):
    return [t.get_text() for t in ax.texts if t.get_gid() == "attribution"]


def test_osm_credit_on_every_map_made_from_osm_data(osm_result):
    assert osm_result.attrs["attribution"] == ATTRIBUTION
    ax = pvsite.plot_siting_map(osm_result, districts=False)
    assert any("© OpenStreetMap contributors" in c for c in _credits(ax))
    rep = pvsite.shortfall(osm_result, target_kw=10)
    ax = pvsite.plot_districts(rep)
    credit = "\n".join(_credits(ax))
    assert plot.OSM_CREDIT in credit and "geoBoundaries" in credit  # both sources named
    assert _credits(pvsite.plot_shortfall(rep)) == [plot.OSM_CREDIT]
    b = gpd.GeoDataFrame({"height": [15.0, 60.0]}, crs=32651, geometry=[
        shapely.box(X0, Y0, X0 + 60, Y0 + 40), shapely.box(X0, Y0 - 22, X0 + 60, Y0 - 10)])
    b.attrs = {"attribution": ATTRIBUTION}
    r, pts = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), shading_points=True)
    ax = pvsite.plot_roof_shading(r, 0, pts)
    assert _credits(ax) == [plot.OSM_CREDIT]
    plt.close("all")


def test_no_osm_credit_on_synthetic_data():
    r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(10),
                        pvsite.datasets.shanghai_weather(), shading=False)
    assert "attribution" not in r.attrs
    ax = pvsite.plot_siting_map(r, districts=False)
    assert not any("OpenStreetMap" in c for c in _credits(ax))
    plt.close("all")


def test_osm_credit_in_the_exports(osm_result, tmp_path):
    pvsite.to_geojson(osm_result, tmp_path / "b.geojson")
    meta = json.loads((tmp_path / "b.geojson").read_text(encoding="utf-8"))["metadata"]
    assert meta["attribution"] == ATTRIBUTION
    import openpyxl

    pvsite.to_excel(osm_result, tmp_path / "b.xlsx",
                    report=pvsite.shortfall(osm_result, target_kw=10))
    notes = dict(openpyxl.load_workbook(tmp_path / "b.xlsx")["notes"].iter_rows(
        min_row=2, values_only=True))
    assert notes["attribution"] == ATTRIBUTION


def test_reading_an_extract_keeps_its_attribution():
    b = pvsite.read_footprints(pvsite.datasets.path("tongji"))
    assert "OpenStreetMap contributors" in b.attrs["attribution"]


# --- pvsite run: sites without buildings, buildings outside every district -----------------


def test_run_with_sites_says_which_are_mapped_without_buildings(tmp_path, capsys):
    b = gpd.GeoDataFrame({"height": [15.0]}, crs=32651,
                         geometry=[shapely.box(X0, Y0, X0 + 40, Y0 + 30)])
    sites = gpd.GeoDataFrame(
        {"institution_id": ["S1", "S2"], "institution_name": ["一小", "二小"],
         "institution_type": ["school", "school"]}, crs=32651,
        geometry=[shapely.box(X0 - 20, Y0 - 20, X0 + 60, Y0 + 50),
                  shapely.box(X0 + 500, Y0, X0 + 700, Y0 + 100)])
    b.to_file(tmp_path / "b.gpkg")
    sites.to_file(tmp_path / "s.gpkg")
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(tmp_path / "b.gpkg"), "--sites",
                 str(tmp_path / "s.gpkg"), "--target-kw", "10", "--no-maps", "--no-shading",
                 "--out", str(out)]) == 0
    assert "1 sites mapped without buildings" in capsys.readouterr().out
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "1 sites mapped without buildings" in text
    assert "## Sites mapped without buildings" in text and "| 二小 | school |" in text


def test_run_on_beijing_refuses_shanghais_target_in_one_line(tmp_path, capsys):
    x, y = 116.40, 39.91
    b = gpd.GeoDataFrame({"height": [15.0], "institution_type": ["school"]}, crs=4326,
                         geometry=[shapely.box(x, y, x + 0.0005, y + 0.0003)])
    b.to_file(tmp_path / "bj.gpkg")
    with pytest.warns(PvsiteWarning, match="km from the weather"):
        code = main(["run", "--footprints", str(tmp_path / "bj.gpkg"), "--no-maps",
                     "--no-shading", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("pvsite: error:")
    assert "outside every district" in err[0]
    assert "--target-kw" in err[0] and "--districts" in err[0]
