"""estimate() on a dask-geopandas GeoDataFrame equals the single-machine result."""

import numpy as np
import pandas as pd
import pytest

import pvsite
from pvsite.inputs._synth import synthetic_city

dask_geopandas = pytest.importorskip("dask_geopandas", reason="dask-geopandas not installed")
distributed = pytest.importorskip("distributed", reason="dask.distributed not installed")


@pytest.mark.slow
def test_dask_partitions_with_halo_equal_single_machine():
    city = synthetic_city(3000, seed=3)
    # five buildings of the first partition entered again at the end, in the last one: the
    # copies are set aside, as on one machine, and their reasons name the right buildings
    copies = city.iloc[:5].copy()
    copies.index = range(len(city), len(city) + 5)
    city = pd.concat([city, copies])
    weather = pvsite.datasets.shanghai_weather()
    whole = pvsite.estimate(city, weather, keep_horizons=False)
    assert (whole.loc[copies.index, "status"] == "invalid").all()
    # partitions in row order: neighbours often sit in other partitions, so the halo matters
    ddf = dask_geopandas.from_geopandas(city, npartitions=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster):
        lazy = pvsite.estimate(ddf, weather, keep_horizons=False)
        assert isinstance(lazy, dask_geopandas.GeoDataFrame)
        parts = lazy.compute()
    parts = parts.loc[whole.index]
    cols = ["capacity_kwp", "annual_kwh", "shading_loss", "status", "reason", "district"]
    pd.testing.assert_frame_equal(pd.DataFrame(parts[cols]), pd.DataFrame(whole[cols]),
                                  check_dtype=False)
    assert whole["shading_loss"].max() > 0.1  # shading across partition edges was needed


@pytest.mark.slow
@pytest.mark.filterwarnings("error::rasterio.errors.NotGeoreferencedWarning")
def test_dask_with_a_surface_model_equals_single_machine(tmp_path):
    """dsm= and planes=True on a dask frame: each task reads the raster; the buildings and the
    plane table equal the single-machine run. Two worker threads share a process: rasterio's
    in-memory rasters raced there (they lost their transform and warned) until pvsite
    serialised them."""
    import dask
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    from pvsite.crs import to_metric

    city = synthetic_city(600, seed=5)
    metric = to_metric(city)
    x0, y0, x1, y1 = metric.total_bounds
    res = 4.0
    cols, rows = int((x1 - x0) / res) + 40, int((y1 - y0) / res) + 40
    gx, gy = np.meshgrid(x0 - 80 + (np.arange(cols) + 0.5) * res,
                         y1 + 80 - (np.arange(rows) + 0.5) * res)
    # a 60 m hill south of the middle of the city, and a gentle slope up to the north
    cx, cy = (x0 + x1) / 2, y0 + 0.3 * (y1 - y0)
    z = 4 + 60 * np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / 200.0**2) + 0.02 * (gy - y0)
    path = tmp_path / "hill.tif"
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1,
                       dtype="float32", crs=metric.crs,
                       transform=from_origin(x0 - 80, y1 + 80, res, res)) as dst:
        dst.write(z.astype("float32"), 1)
    weather = pvsite.datasets.shanghai_weather()
    whole, whole_planes = pvsite.estimate(city, weather, dsm=path, keep_horizons=False,
                                          planes=True)
    ddf = dask_geopandas.from_geopandas(city, npartitions=3)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster):
        lazy, lazy_planes = pvsite.estimate(ddf, weather, dsm=path, keep_horizons=False,
                                            planes=True)
        parts, planes = dask.compute(lazy, lazy_planes)
    parts = parts.loc[whole.index]
    # the plane table too: same planes, same numbers, outlines in the same UTM zone
    assert planes.crs == whole_planes.crs
    key = ["building", "plane"]
    a = planes.sort_values(key).reset_index(drop=True)
    b = whole_planes.sort_values(key).reset_index(drop=True)
    plane_cols = ["building", "plane", "surface_tilt", "n_modules", "capacity_kwp",
                  "annual_kwh", "shading_loss"]
    pd.testing.assert_frame_equal(pd.DataFrame(a[plane_cols]), pd.DataFrame(b[plane_cols]),
                                  check_dtype=False)
    np.testing.assert_allclose(a.area, b.area, rtol=1e-9)
    cols = ["roof_type", "surface_tilt", "capacity_kwp", "annual_kwh", "shading_loss",
            "status", "reason"]
    pd.testing.assert_frame_equal(pd.DataFrame(parts[cols]), pd.DataFrame(whole[cols]),
                                  check_dtype=False)
    assert (whole["roof_type"] != "flat").any()  # the surface model's slopes were used


def test_the_yield_grids_are_one_task_every_partition_depends_on(monkeypatch):
    """Issue 22: each worker computed its own yield grid. Now the graph holds one task for the
    grids (and one key for the weather) that every partition's task reads, and a worker that
    receives the grids computes none of its own."""
    from dask.core import get_dependencies

    from pvsite.energy import chain, yields

    city = synthetic_city(300, seed=3)
    weather = pvsite.datasets.shanghai_weather()
    lazy = pvsite.estimate(dask_geopandas.from_geopandas(city, npartitions=3), weather,
                           keep_horizons=False)
    graph = dict(lazy.__dask_graph__())
    grids = [k for k in graph if str(k).startswith("_grids")]
    tasks = [k for k in graph if str(k).startswith("_with_halo")]
    assert len(grids) == 1 and len(tasks) == 3
    assert all(grids[0] in get_dependencies(graph, t) for t in tasks)

    # what a fresh worker does with the grids it is sent: adopt them, and never run the chain
    tables = yields.grid_tables(weather, ("racked", "flush"))
    chain.CACHE.clear()
    monkeypatch.setattr(yields, "_diskcache", None)  # a worker with no disk cache either
    assert yields.adopt_grids(tables) == 2
    monkeypatch.setattr(yields, "hourly_chain", lambda *a, **k: 1 / 0)
    for mounting in ("racked", "flush"):
        grid = yields.yield_grid(weather, mounting=mounting)
        np.testing.assert_array_equal(grid.monthly, tables[chain.energy_key(weather, mounting)])
    chain.CACHE.clear()


def test_halo_rows_shade_and_make_party_walls_but_get_no_surfaces_of_their_own():
    """Facades on dask: a wall against a building of another partition is still a party wall.

    The halo's buildings are obstacles only (no roofs, facades or shading of their own);
    the result equals one machine's, facades included.
    """
    import dask
    import geopandas as gpd
    import shapely

    x0, y0 = 354_000.0, 3_456_000.0  # UTM 51N, in Shanghai
    boxes = [shapely.box(x0 + 60 * i, y0 + 60 * j, x0 + 60 * i + 30, y0 + 60 * j + 20)
             for i in range(6) for j in range(5)]
    # an annex built against the first building's south wall comes last: another partition
    boxes.append(shapely.box(x0, y0 - 15, x0 + 30, y0))
    rng = np.random.default_rng(5)
    city = gpd.GeoDataFrame({"height_m": rng.uniform(8, 40, len(boxes))}, geometry=boxes,
                            crs="EPSG:32651")
    weather = pvsite.datasets.shanghai_weather()
    whole = pvsite.estimate(city, weather, keep_horizons=False, facades=True)
    alone = pvsite.estimate(city.iloc[:-1], weather, keep_horizons=False, facades=True)
    # the annex takes the first building's south wall away as a party wall
    assert whole["facade_capacity_kwp"].iloc[0] < alone["facade_capacity_kwp"].iloc[0]
    ddf = dask_geopandas.from_geopandas(city, npartitions=3)
    with dask.config.set(scheduler="synchronous"):
        parts = pvsite.estimate(ddf, weather, keep_horizons=False, facades=True).compute()
    parts = parts.loc[whole.index]
    cols = ["capacity_kwp", "annual_kwh", "shading_loss", "facade_capacity_kwp",
            "facade_annual_kwh", "status", "reason"]
    pd.testing.assert_frame_equal(pd.DataFrame(parts[cols]), pd.DataFrame(whole[cols]),
                                  check_dtype=False)
    assert whole["shading_loss"].max() > 0


def test_partition_by_place_makes_compact_partitions_that_estimate_as_one_machine():
    """Partitions cut along a Hilbert curve in memory (no shuffle through a cluster): compact,
    the index kept, rows without geometry last, the estimate equal to one machine's; a frame
    in random order is warned about before anything runs."""
    import dask
    import geopandas as gpd

    city = synthetic_city(800, seed=4)
    city.loc[city.index[7], "geometry"] = None
    weather = pvsite.datasets.shanghai_weather()
    ddf = pvsite.partition_by_place(city, 4)
    assert ddf.npartitions == 4
    parts = [p.compute() for p in ddf.to_delayed()]
    assert sorted(pd.concat(parts).index) == sorted(city.index)
    assert parts[-1].index[-1] == city.index[7]
    m = city.to_crs(32651)
    whole_box = shapely_area(m.total_bounds)
    covers = sum(shapely_area(m.loc[p.index].total_bounds) for p in parts
                 if p.geometry.notna().any())
    assert covers < 1.5 * whole_box  # row cuts of a random order would cover it ~4 times

    whole = pvsite.estimate(city, weather, keep_horizons=False)
    with dask.config.set(scheduler="synchronous"):
        got = pvsite.estimate(ddf, weather, keep_horizons=False).compute().loc[whole.index]
    cols = ["capacity_kwp", "annual_kwh", "shading_loss", "status", "reason", "district"]
    pd.testing.assert_frame_equal(pd.DataFrame(got[cols]), pd.DataFrame(whole[cols]),
                                  check_dtype=False)

    shuffled = dask_geopandas.from_geopandas(city.sample(frac=1, random_state=0),
                                             npartitions=6, sort=False)
    with pytest.warns(pvsite.PvsiteWarning, match="not spatially compact.*partition_by_place"):
        pvsite.estimate(shuffled, weather, keep_horizons=False)  # lazy: warned, not run
    with pytest.raises(pvsite.ArgumentError, match="npartitions"):
        pvsite.partition_by_place(city, 0)
    with pytest.raises(pvsite.ArgumentError, match="GeoDataFrame"):
        pvsite.partition_by_place(pd.DataFrame(city.drop(columns="geometry")), 2)
    assert isinstance(ddf.compute(), gpd.GeoDataFrame)


def shapely_area(bounds):
    x0, y0, x1, y1 = bounds
    return (x1 - x0) * (y1 - y0)
