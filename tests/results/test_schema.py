"""The schema in results.schema is what estimate returns: names, order and dtypes."""

import pandas as pd
import pytest

import pvsite
from pvsite.results.schema import (
    OUTPUT_COLUMNS,
    OUTPUT_DTYPES,
    SURFACE_COLUMNS,
    empty_result,
    empty_surfaces,
    result_order,
)


@pytest.fixture(scope="module")
def estimated(shanghai_weather):
    b = pvsite.datasets.shanghai_buildings().head(40)
    return b, *pvsite.estimate(b, shanghai_weather, planes=True)


def _same_kind(a, b):
    if pd.api.types.is_string_dtype(a) or pd.api.types.is_object_dtype(a):
        return pd.api.types.is_string_dtype(b) or pd.api.types.is_object_dtype(b)
    return pd.api.types.is_dtype_equal(a, b)


def test_result_columns_and_dtypes_are_the_schema(estimated):
    b, result, _ = estimated
    added = [c for c in result.columns if c not in b.columns]
    # an input column of the same name (institution_type here) keeps its place
    assert added == [c for c in result_order(horizons=True) if c not in b.columns]
    assert set(OUTPUT_DTYPES) == set(OUTPUT_COLUMNS)
    for col in OUTPUT_COLUMNS:
        assert _same_kind(result[col].dtype, pd.Series([], dtype=OUTPUT_DTYPES[col]).dtype), col


def test_empty_result_is_the_result_without_rows(estimated):
    b, result, _ = estimated
    meta = empty_result(b, horizons=True)
    assert list(meta.columns) == list(result.columns) and len(meta) == 0
    assert meta.crs == result.crs
    for col in meta.columns:
        if col != meta.geometry.name:
            assert _same_kind(meta[col].dtype, result[col].dtype), col


def test_surface_table_is_the_schema(estimated):
    _, result, surfaces = estimated
    assert [c for c in surfaces.columns if c != "geometry"] == list(SURFACE_COLUMNS)
    assert set(surfaces["surface"]) == {"roof"}
    meta = empty_surfaces(surfaces.crs)
    assert list(meta.columns) == list(surfaces.columns)
    # the per-building view is a view of the surface table
    kwh = surfaces.groupby("building")["annual_kwh"].sum()
    ok = result["status"] == "ok"
    pd.testing.assert_series_equal(kwh.reindex(result.index[ok]), result.loc[ok, "annual_kwh"],
                                   check_names=False, rtol=1e-9)
