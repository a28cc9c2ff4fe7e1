"""Reading attribute values: heights, storeys and institution tags, however they are written.

The one parser of heights and storeys, used by :func:`pvsite.read_footprints`,
:func:`pvsite.read_osm` and the roof stage (:func:`pvsite.geometry.roofs.building_height`), and
the vocabulary of institution types: OSM tag rules and other names for the types.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import INSTITUTION_TYPES

__all__ = ["OSM_TYPE_RULES", "SITE_TYPE_RULES", "TYPE_ALIASES", "first_number",
           "institution_type", "parse_height", "tag_number"]

_FEET = 0.3048  # [m per international foot]
_INCH = 0.0254  # [m per inch]
_HEIGHT = re.compile(
    r"""^\s*(?P<sign>[-+])?\s*(?P<num>\d+(?:[.,]\d+)?)\s*
    (?:(?P<unit>m|metres?|meters?|ft|feet|foot|'|’)\s*
       (?:(?P<inch>\d+(?:\.\d+)?)\s*(?:"|”|in|inch|inches)\s*)?)?$""",
    re.IGNORECASE | re.VERBOSE)
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)")


_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)")


def _height_values(text: pd.Series) -> pd.Series:
    """Heights [m] from text as OSM writes them, sign kept; NaN where unreadable."""
    first = text.astype("string").str.split(";").str[0]
    parts = first.str.extract(_HEIGHT)
    num = pd.to_numeric(parts["num"].str.replace(",", "."), errors="coerce")
    num = num.where(parts["sign"] != "-", -num)
    feet = parts["unit"].str.lower().isin(["ft", "feet", "foot", "'", "’"]).fillna(False)
    inch = pd.to_numeric(parts["inch"], errors="coerce").fillna(0.0)
    return pd.Series(np.where(feet.to_numpy(bool), num * _FEET + inch * _INCH, num),
                     index=text.index, dtype=float)


def parse_height(values: Any) -> pd.Series:
    """Heights as OSM writes them (``"12"``, ``"12 m"``, ``"40 ft"``, ``"12;15"``) in metres.

    Parameters
    ----------
    values : Series or array-like
        ``height`` tag values: a number in metres, optionally followed by ``m``; or in feet
        (``ft``, ``feet``, ``'``, with optional inches: ``40'6"``). Of several values separated
        by ``;`` the first is taken. A decimal comma is read as a point.

    Returns
    -------
    Series
        Height [m], float; NaN where missing, zero, negative or unreadable (``"tall"``).

    Examples
    --------
    >>> parse_height(["12 m", "12;15", "40 ft", "12,5", "tall", None]).round(3).tolist()
    [12.0, 12.0, 12.192, 12.5, nan, nan]
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_numeric_dtype(s):
        out = s.astype(float)
    else:
        out = _height_values(s)
    return out.where(out > 0)


def first_number(values: pd.Series) -> pd.Series:
    """The first number of a tag value (``"4"``, ``"4;5"``, ``"30°"``) as float; else NaN."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.extract(_NUMBER)[0].str.replace(",", ".")
    return pd.to_numeric(text, errors="coerce").astype(float)


def tag_number(values: pd.Series, *, height: bool) -> tuple[pd.Series, pd.Series]:
    """Numbers from ``height`` or ``building:levels`` values, and which ones were unreadable.

    ``height=True`` for heights [m] (``12 m``, ``40 ft``, ``12,5``, ``12;15``: the rules of
    :func:`parse_height`), else storeys (the first number). Plain numbers pass through, sign
    and all (whether a value is plausible is the roof stage's question); what can't be read
    is NaN and flagged.

    Examples
    --------
    >>> v, bad = tag_number(pd.Series(["40 ft", "12,5", "tall", None, "-3"]), height=True)
    >>> v.round(2).tolist(), bad.tolist()
    ([12.19, 12.5, nan, nan, -3.0], [False, False, True, False, False])
    """
    plain = pd.to_numeric(values, errors="coerce").astype(float)
    unread = pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return plain, unread
    text = values.astype("string").str.strip()
    rest = (plain.isna() & text.notna() & (text != "")).to_numpy(dtype=bool)
    parsed = _height_values(text[rest]) if height else first_number(text[rest])
    plain[rest] = parsed.to_numpy()
    unread[rest] = plain[rest].isna().to_numpy()
    return plain, unread


#: Other names for the institution types, accepted in an ``institution_type`` column.
TYPE_ALIASES = {
    "gov": "government", "government office": "government", "party": "government",
    "party_government": "government", "townhall": "government", "public_administration":
    "government", "college": "university", "higher_education": "university",
    "primary_school": "school", "secondary_school": "school", "kindergarten": "school",
    "middle_school": "school", "clinic": "other_public", "other": "other_public",
    "public": "other_public", "private": "not_public", "none": "not_public",
    "residential": "not_public", "commercial": "not_public",
}

#: OSM tags that make a building a public institution, checked in this order:
#: (column, values, type); the value ``"*"`` stands for any value other than ``no``.
OSM_TYPE_RULES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("amenity", frozenset({"hospital"}), "hospital"),
    ("healthcare", frozenset({"hospital"}), "hospital"),
    ("building", frozenset({"hospital"}), "hospital"),
    ("amenity", frozenset({"university", "college"}), "university"),
    ("building", frozenset({"university", "college"}), "university"),
    ("amenity", frozenset({"school", "kindergarten"}), "school"),
    ("building", frozenset({"school", "kindergarten"}), "school"),
    ("office", frozenset({"government"}), "government"),
    ("amenity", frozenset({"townhall", "courthouse"}), "government"),
    ("government", frozenset({"*"}), "government"),
    ("building", frozenset({"government", "public"}), "government"),
    ("amenity", frozenset({"library", "community_centre", "police", "fire_station",
                          "social_facility", "arts_centre", "clinic"}), "other_public"),
    ("building", frozenset({"civic"}), "other_public"),
)

#: OSM tags that make a site polygon (a campus, a hospital's grounds: a closed way or
#: multipolygon without a ``building`` tag) an institution site, checked in this order. The
#: rules of :data:`OSM_TYPE_RULES` without the ``building`` ones, then ``landuse=education``
#: as a school: most education sites are schools (Shanghai has about 1,500 primary and
#: secondary schools and 57 higher-education institutions), and a university campus is
#: normally tagged ``amenity=university``, which comes first.
SITE_TYPE_RULES: tuple[tuple[str, frozenset[str], str], ...] = tuple(
    rule for rule in OSM_TYPE_RULES if rule[0] != "building"
) + (("landuse", frozenset({"education"}), "school"),)


def institution_type(
    gdf: Any, *, rules: tuple[tuple[str, frozenset[str], str], ...] = OSM_TYPE_RULES
) -> pd.Series:
    """Institution type of each building.

    From an ``institution_type`` column where there is one (aliases in :data:`TYPE_ALIASES`),
    else from OSM tags (``rules``, first match wins); anything else is ``not_public``.

    Parameters
    ----------
    gdf : DataFrame or GeoDataFrame
        Buildings with an ``institution_type`` column and/or OSM tag columns (``amenity``,
        ``office``, ``healthcare``, ``government``, ``building``...).
    rules : tuple of (column, values, type)
        Tag rules, checked in order; a value ``"*"`` matches any value but ``no``. Default
        :data:`OSM_TYPE_RULES` (buildings); :data:`SITE_TYPE_RULES` for site polygons.

    Returns
    -------
    Series
        One of :data:`pvsite.assumptions.INSTITUTION_TYPES` per building, caller's index.

    Examples
    --------
    >>> import pandas as pd
    >>> tags = pd.DataFrame({"institution_type": [None, "College", None],
    ...                      "amenity": ["school", "hospital", None]})
    >>> institution_type(tags).tolist()
    ['school', 'university', 'not_public']
    """
    out = pd.Series("not_public", index=gdf.index, dtype=object)
    decided = pd.Series(False, index=gdf.index)
    if "institution_type" in gdf:
        given = gdf["institution_type"].astype("string").str.strip().str.lower()
        given = given.replace(TYPE_ALIASES)
        ok = given.isin(INSTITUTION_TYPES).fillna(False).astype(bool)
        out[ok] = given[ok]
        decided |= ok
    for column, values, itype in rules:
        if column not in gdf:
            continue
        tag = gdf[column].astype("string").str.strip().str.lower()
        if "*" in values:
            hit = (tag.notna() & (tag != "") & (tag != "no")).fillna(False).astype(bool)
        else:
            hit = tag.isin(values).fillna(False).astype(bool)
        hit &= ~decided
        out[hit] = itype
        decided |= hit
    return out
