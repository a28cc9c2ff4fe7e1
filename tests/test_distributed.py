"""estimate() on a dask-geopandas GeoDataFrame equals the single-machine result."""

import pandas as pd
import pytest

import pvsite
from pvsite._synth import synthetic_city

dask_geopandas = pytest.importorskip("dask_geopandas", reason="dask-geopandas not installed")
distributed = pytest.importorskip("distributed", reason="dask.distributed not installed")


@pytest.mark.slow
def test_dask_partitions_with_halo_equal_single_machine():
    city = synthetic_city(3000, seed=3)
    weather = pvsite.datasets.shanghai_weather()
    whole = pvsite.estimate(city, weather, keep_horizons=False)
    # partitions in row order: neighbours often sit in other partitions, so the halo matters
    ddf = dask_geopandas.from_geopandas(city, npartitions=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        lazy = pvsite.estimate(ddf, weather, keep_horizons=False)
        assert isinstance(lazy, dask_geopandas.GeoDataFrame)
        parts = lazy.compute()
    parts = parts.loc[whole.index]
    cols = ["capacity_kwp", "annual_kwh", "shading_loss", "status", "reason", "district"]
    pd.testing.assert_frame_equal(pd.DataFrame(parts[cols]), pd.DataFrame(whole[cols]),
                                  check_dtype=False)
    assert whole["shading_loss"].max() > 0.1  # shading across partition edges was needed
