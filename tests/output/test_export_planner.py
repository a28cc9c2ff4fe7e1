"""What a planner opens (issue 20): CSV for Excel, the workbook, GeoJSON keys, Chinese labels.

Each test reproduces one finding of the issue: it failed before the fix.
"""

import json
import warnings

import geopandas as gpd
import matplotlib
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

import pvsite
from pvsite.output import export, plot
from pvsite.results.shortfall import plan_frame

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def small():
    b = pvsite.datasets.shanghai_buildings().head(60)
    result, planes = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), planes=True)
    return result, planes


def test_csv_has_a_bom_and_plain_decimals(tmp_path):
    # issue: UTF-8 without a BOM (Excel shows 嘉定区 as 鍢夊畾鍖) and %.6g (1.14387e+07)
    table = pd.DataFrame({"district": ["嘉定区"], "annual_kwh": [11438712.25],
                          "share": [1.5e-7], "missing": [np.nan]})
    raw = export.to_csv(table, tmp_path / "t.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines() == [",district,annual_kwh,share,missing",
                                 "0,嘉定区,11438712.25,0,"]  # 1.5e-7 rounds to 6 decimals
    assert "e+" not in text and "e-" not in text
    back = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig", index_col=0)
    assert back.loc[0, "district"] == "嘉定区" and back.loc[0, "annual_kwh"] == 11438712.25


def test_horizon_left_out_of_flat_files_unless_asked(small, tmp_path):
    # issue: horizon_deg a numpy repr with newlines (2,633 rows became 13,602 lines)
    result, _ = small
    assert "horizon_deg" in result
    flat = pd.DataFrame(result.drop(columns="geometry"))
    lines = export.to_csv(flat, tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == len(result) + 1 and "horizon_deg" not in lines[0]
    kept = pd.read_csv(export.to_csv(flat, tmp_path / "h.csv", horizon=True),
                       encoding="utf-8-sig", index_col=0)
    assert len(kept) == len(result)
    row = kept["horizon_deg"].iloc[0]
    np.testing.assert_allclose(json.loads(row), np.asarray(result["horizon_deg"].iloc[0]))
    gpkg = gpd.read_file(export.to_geopackage(result, tmp_path / "b.gpkg"))
    assert "horizon_deg" not in gpkg and list(gpkg["building"]) == list(result.index)


def test_geojson_features_have_an_id_and_a_building_key(small, tmp_path):
    result, _ = small
    doc = json.loads(pvsite.to_geojson(result, tmp_path / "b.geojson").read_text("utf-8"))
    ids = [f["id"] for f in doc["features"]]
    assert ids == list(result.index)
    assert [f["properties"]["building"] for f in doc["features"]] == list(result.index)


def test_to_csv_on_every_frame_pvsite_returns(small, tmp_path):
    # issue: AttributeError 'Series' object has no attribute 'to_wkt'; also MultiIndex tables
    result, planes = small
    report = pvsite.shortfall(result, target_kw=1000)
    frames = {
        "result": result,
        "planes": planes,
        "geometry": result.geometry,
        "series": result["capacity_kwp"],
        "district_type": pvsite.rollup(result, "district_type"),  # a MultiIndex
        "shortfall": report.table,
        "plan": report.plan,
        "plan_geo": plan_frame(report, result),
    }
    for name, frame in frames.items():
        path = export.to_csv(frame, tmp_path / f"{name}.csv")
        back = pd.read_csv(path, encoding="utf-8-sig")
        assert len(back) == len(frame), name
    back = pd.read_csv(tmp_path / "result.csv", encoding="utf-8-sig", index_col=0)
    geoms = shapely.from_wkt(back["geometry"].to_numpy())
    assert shapely.equals_exact(geoms, result.geometry.to_numpy(), tolerance=1e-6).all()
    multi = pd.read_csv(tmp_path / "district_type.csv", encoding="utf-8-sig", index_col=[0, 1])
    np.testing.assert_allclose(multi["capacity_kwp"],
                               frames["district_type"]["capacity_kwp"], atol=1e-6)


def test_excel_workbook_reads_back(small, tmp_path):
    result, _ = small
    report = pvsite.shortfall(result, target_kw=1000)
    path = pvsite.output.export.to_excel(result, tmp_path / "r.xlsx", report=report)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["buildings", "institutions", "districts", "types", "shortfall",
                             "plan", "notes"]

    def rows(name):
        return [list(r) for r in wb[name].iter_rows(values_only=True)]

    districts = rows("districts")
    header = districts[0]
    assert header[:2] == ["district", "district_en"]
    assert "capacity_kwp [kWp]" in header and "annual_kwh [kWh]" in header
    assert "share_of_target [-]" in header
    by_name = {r[0]: r for r in districts[1:]}
    expected = pvsite.rollup(result, "district")
    assert set(by_name) == set(expected.index)
    for d, row in by_name.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in d)  # Chinese intact, e.g. 松江区
        assert row[1].endswith("District")  # and its English name
        assert row[header.index("capacity_kwp [kWp]")] == pytest.approx(
            expected.loc[d, "capacity_kwp"])
    plan = rows("plan")
    assert plan[0][:2] == ["building", "rank [-]"] and len(plan) == len(report.plan) + 1
    assert [r[0] for r in plan[1:]] == list(report.plan["building"])
    buildings = rows("buildings")
    assert len(buildings) == len(result) + 1 and "height_m [m]" in buildings[0]
    assert not any(str(h).startswith("horizon_deg") for h in buildings[0])
    assert "shortfall" in wb.sheetnames and rows("shortfall")[0][2] == "installed_kw [kW]"


def _glyph_warnings(draw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = draw()
        ax.figure.canvas.draw()
    plt.close("all")
    return ax, [str(w.message) for w in caught if "Glyph" in str(w.message)]


def test_bundled_districts_draw_without_missing_glyphs(small):
    result, _ = small
    report = pvsite.shortfall(result, target_kw=1000)
    _, missing = _glyph_warnings(lambda: plot.plot_districts(None, report=report))
    assert missing == []
    _, missing = _glyph_warnings(lambda: plot.plot_siting_map(result, plan=report))
    assert missing == []


def test_chinese_names_on_maps_never_boxes(small):
    # issue: Chinese names drawn as empty boxes ("Glyph missing from DejaVu Sans")
    result, _ = small
    named = result.copy()
    named["institution_name"] = named["institution_name"].where(
        named["institution_name"].isna(), "上海市第一中学")
    ax, missing = _glyph_warnings(lambda: plot.plot_siting_map(named, top=3,
                                                               label_by="institution"))
    assert missing == []
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "site-label"]
    assert len(labels) == 3
    if plot.cjk_font() is None:  # fallback: the institution id, in ASCII
        assert all(not plot._has_cjk(t) for t in labels)
        assert all(t.split("\n")[0].startswith("I0") for t in labels)
    else:
        assert all(t.startswith("上海市第一中学") for t in labels)


def test_plot_functions_say_what_to_pass(small):
    # issue: plot_districts(result) drew an all-grey map; plot_shortfall(result) AttributeError
    result, _ = small
    with pytest.raises(ValueError, match=r"pvsite.rollup\(result, 'district'\)"):
        plot.plot_districts(result)
    with pytest.raises(TypeError, match=r"pvsite.shortfall\(result\)"):
        plot.plot_shortfall(result)
    ax = plot.plot_districts(pvsite.shortfall(result, target_kw=1000))  # a report, first arg
    assert ax is not None
    plt.close("all")


def test_chinese_labels_use_the_cjk_font_when_there_is_one(small, monkeypatch):
    # the branch taken on a system with a CJK font (fonts-noto-cjk...): the name is kept and
    # drawn in that family, with DejaVu Sans for the digits and units
    result, _ = small
    named = result.copy()
    named["institution_name"] = named["institution_name"].where(
        named["institution_name"].isna(), "上海市第一中学")
    monkeypatch.setattr(plot, "cjk_font", lambda: "DejaVu Sans")  # stands in for a CJK font
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DejaVu Sans itself has no CJK glyphs
        ax = plot.plot_siting_map(named, top=2, label_by="institution")
    labels = [t for t in ax.texts if t.get_gid() == "site-label"]
    assert [t.get_text().split("\n")[0] for t in labels] == ["上海市第一中学"] * 2
    assert all(t.get_fontfamily() == ["DejaVu Sans", "DejaVu Sans"] for t in labels)
    plt.close("all")


def test_explore_holds_the_building_layer(small, tmp_path):
    result, _ = small
    m = plot.explore(result, tiles=None)
    path = tmp_path / "map.html"
    m.save(str(path))
    page = path.read_text(encoding="utf-8")
    assert "L.geoJson(" in page or "L.geoJSON(" in page  # Leaflet's GeoJSON layer
    start = page.index('_add({"bbox"') + len("_add(")  # the layer's data, inline
    doc, _ = json.JSONDecoder().raw_decode(page[start:])
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == len(result)
    assert [f["properties"]["building"] for f in doc["features"]] == [str(i) for i in
                                                                      result.index]
    np.testing.assert_allclose([f["properties"]["capacity_kwp"] for f in doc["features"]],
                               result["capacity_kwp"])
    assert "GENERATED, SYNTHETIC" in page and "capacity [kWp]" in page
    with pytest.raises(TypeError, match="GeoDataFrame"):
        plot.explore(pd.DataFrame(result.drop(columns="geometry")))


def test_osm_data_keep_their_attribution_names_and_key(tmp_path):
    # issue 20: the CLI's map of a real OSM extract labelled buildings "0".."8"
    b, _ = pvsite.datasets.shanghai_campuses()
    b = b.head(12)
    r = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), shading=False)
    assert "OpenStreetMap contributors, ODbL" in plot.explore(r, tiles=None).get_root().render()
    ax, missing = _glyph_warnings(lambda: plot.plot_siting_map(r, top=4, label_by="building"))
    assert missing == []
    labels = [t.get_text().split("\n")[0] for t in ax.texts if t.get_gid() == "site-label"]
    assert len(labels) == 4 and not any(t.isdigit() for t in labels)
    doc = json.loads(pvsite.to_geojson(r, tmp_path / "o.geojson").read_text("utf-8"))
    f = doc["features"][0]
    assert f["id"] == r.index[0] and f["properties"]["building_index"] == r.index[0]
    assert f["properties"]["building"] == r["building"].iloc[0]  # the OSM tag, untouched
