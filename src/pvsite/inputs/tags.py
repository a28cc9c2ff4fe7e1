"""Reading attribute values: heights, storeys and institution tags, however they are written.

The one parser of heights and storeys, used by :func:`pvsite.read_footprints`,
:func:`pvsite.read_osm` and the roof stage (:func:`pvsite.geometry.roofs.building_height`), and
the vocabulary of institution types: OSM tag rules and other names for the types. Values are
read in English or Chinese, in any case and in full or half width (``学校``, ``政府机关``,
``约20米``, ``地上5层``, ``五层``, ``２０``); what is given but not understood is counted in one
:class:`pvsite.errors.PvsiteWarning` per column (:func:`warn_unrecognised`), never silently
taken as a default.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import INSTITUTION_TYPES
from ..errors import PvsiteWarning

__all__ = ["CHINESE_TYPE_WORDS", "OSM_TYPE_RULES", "SITE_TYPE_RULES", "TYPE_ALIASES",
           "chinese_number", "first_number", "institution_type", "normalise_text",
           "parse_height", "tag_number", "warn_unrecognised"]

_FEET = 0.3048  # [m per international foot]
_INCH = 0.0254  # [m per inch]
_HEIGHT = re.compile(
    r"""^\s*(?P<sign>[-+])?\s*(?P<num>\d+(?:[.,]\d+)?)\s*
    (?:(?P<unit>m|metres?|meters?|ft|feet|foot|'|’)\s*
       (?:(?P<inch>\d+(?:\.\d+)?)\s*(?:"|”|in|inch|inches)\s*)?)?$""",
    re.IGNORECASE | re.VERBOSE)
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)")
#: Chinese words around a height or a number of storeys that carry no number: "about"
#: (约, 大约, 约为), "height" (高, 高度, 建筑高度), "above ground" (地上), "in all" (共, 计),
#: and after it "or so", "more", "above" (左右, 多, 以上, 余).
_CJK_BEFORE = re.compile(r"^(?:(?:建筑高度|高度|大约|约为|约|高|地上|共计|共|计)[:：为]?\s*)+")
_CJK_AFTER = re.compile(r"(?:左右|以上|有余|余|多)$")
_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+")


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral (一 .. 九百九十九, 两, 零/〇), or None.

    Examples
    --------
    >>> [chinese_number(t) for t in ("五", "十二", "二十", "九十九", "一百零五", "一二八")]
    [5, 12, 20, 99, 105, 128]
    """
    if not text or not _CJK_NUMERAL.fullmatch(text):
        return None
    if "十" not in text and "百" not in text:  # digit by digit: 一二八 = 128
        return int("".join(str(_CJK_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _CJK_DIGITS:
            digit = _CJK_DIGITS[c]
        elif c == "百":
            total += (1 if digit is None else digit) * 100
            digit = None
        else:  # 十
            total += (1 if digit is None else digit) * 10
            digit = None
    return total + (digit or 0)


def normalise_text(values: pd.Series) -> pd.Series:
    """Attribute text made comparable: NFKC, trimmed, Chinese numerals as digits.

    Full-width ``２０ｍ`` becomes ``20m``; "about", "above ground" and the like (约, 地上...)
    are dropped, 米/公尺 written ``m``.

    Examples
    --------
    >>> normalise_text(pd.Series(["约20米", "２０", "地上5层", "五层", None])).tolist()
    ['20m', '20', '5层', '5层', <NA>]
    """
    text = values.astype("string").map(
        lambda t: unicodedata.normalize("NFKC", t).strip(), na_action="ignore").astype("string")
    text = text.str.replace(_CJK_BEFORE, "", regex=True).str.replace(_CJK_AFTER, "", regex=True)
    text = text.str.replace(_CJK_NUMERAL, lambda m: str(chinese_number(m.group(0))),
                            regex=True)
    return text.str.replace(r"\s*(?:米|公尺)$", "m", regex=True).str.strip()


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
        by ``;`` the first is taken. A decimal comma is read as a point. Chinese and
        full-width text too (``约20米``, ``２０``: :func:`normalise_text`).

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
        out = _height_values(normalise_text(s))
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
    :func:`parse_height`; also ``20米``, ``约20米``, full-width ``２０``), else storeys
    (``5``, ``5;6``, ``5F``, ``5层``, ``地上5层``, ``五层``, ``二十八层``). Text is normalised by
    :func:`normalise_text` first. Plain numbers pass through, sign and all (whether a value
    is plausible is the roof stage's question); what can't be read is NaN and flagged.

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
    clean = normalise_text(text[rest])
    parsed = _height_values(clean) if height else first_number(clean)
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
    # Chinese names of the types (exact values; longer text goes by CHINESE_TYPE_WORDS)
    "政府": "government", "政府机关": "government", "机关": "government", "党政机关":
    "government", "党政": "government", "行政": "government", "行政机关": "government",
    "事业单位": "other_public", "高校": "university", "大学": "university", "学院":
    "university", "高等院校": "university", "高等学校": "university", "学校": "school",
    "小学": "school", "中学": "school", "初中": "school", "高中": "school", "幼儿园": "school",
    "中小学": "school", "职业学校": "school", "医院": "hospital", "卫生院": "hospital",
    "诊所": "other_public", "社区卫生服务中心": "other_public", "公共": "other_public",
    "其他": "other_public", "其他公共": "other_public", "非公共": "not_public", "住宅":
    "not_public", "居住": "not_public", "商业": "not_public", "私人": "not_public",
}

#: Words that give a Chinese type (or an institution's name, 上海市第一人民医院) its type, checked
#: in this order: hospitals first (大学附属医院 is a hospital), schools before universities
#: (大学附属中学 is a school).
CHINESE_TYPE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("医院", "卫生院", "妇幼保健"), "hospital"),
    (("小学", "中学", "幼儿园", "学校", "托儿所"), "school"),
    (("大学", "学院", "高校", "高等"), "university"),
    (("政府", "机关", "党委", "人大", "政协", "法院", "检察院", "公安", "街道办事处", "委员会"),
     "government"),
    (("图书馆", "博物馆", "文化馆", "体育馆", "卫生服务中心", "科技馆", "美术馆", "少年宫"),
     "other_public"),
)
_CJK = re.compile(r"[\u3400-\u9fff]")


def warn_unrecognised(column: str, values: pd.Series, what: str, *, stacklevel: int = 3) -> None:
    """One :class:`pvsite.errors.PvsiteWarning` counting the values of a column not understood.

    ``values`` holds the raw values that were given but not recognised; nothing happens if it
    is empty. The warning names the column, the count, a few examples and ``what`` happens
    to them.
    """
    given = values.dropna().astype(str)
    given = given[given.str.strip() != ""]
    if given.empty:
        return
    examples = ", ".join(repr(v) for v in given.value_counts().index[:5])
    warnings.warn(f"column '{column}': {len(given):,} value(s) not recognised ({examples}); "
                  f"{what}", PvsiteWarning, stacklevel=stacklevel)

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


def _type_names(values: pd.Series) -> pd.Series:
    """Institution types from given names: English or Chinese, aliases, any case or width."""
    text = values.astype("string").map(
        lambda t: unicodedata.normalize("NFKC", t).strip().lower(), na_action="ignore")
    text = text.astype("string").replace(TYPE_ALIASES)
    # Chinese text not among the aliases: by the words it contains
    rest = (~text.isin(INSTITUTION_TYPES).fillna(False) & text.str.contains(_CJK).fillna(False)
            ).to_numpy(dtype=bool)
    if rest.any():
        sub = text[rest]
        found = pd.Series(pd.NA, index=sub.index, dtype="string")
        for words, itype in CHINESE_TYPE_WORDS:
            hit = found.isna() & sub.str.contains("|".join(words)).fillna(False)
            found[hit] = itype
        text[rest] = found
    return text


def institution_type(
    gdf: Any, *, rules: tuple[tuple[str, frozenset[str], str], ...] = OSM_TYPE_RULES
) -> pd.Series:
    """Institution type of each building.

    From an ``institution_type`` column where there is one (aliases in :data:`TYPE_ALIASES`,
    English or Chinese, any case, full-width or not; other Chinese text by the words of
    :data:`CHINESE_TYPE_WORDS`), else from OSM tags (``rules``, first match wins); anything
    else is ``not_public``. Given values that are not understood are counted in one
    :class:`pvsite.errors.PvsiteWarning`.

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
    >>> tags = pd.DataFrame({"institution_type": [None, "College", None, "政府机关", "高校"],
    ...                      "amenity": ["school", "hospital", None, None, None]})
    >>> institution_type(tags).tolist()
    ['school', 'university', 'not_public', 'government', 'university']
    """
    out = pd.Series("not_public", index=gdf.index, dtype=object)
    decided = pd.Series(False, index=gdf.index)
    if "institution_type" in gdf:
        given = _type_names(gdf["institution_type"])
        ok = given.isin(INSTITUTION_TYPES).fillna(False).astype(bool)
        out[ok] = given[ok]
        decided |= ok
        warn_unrecognised("institution_type", gdf["institution_type"][~ok.to_numpy()],
                          "those buildings take their type from OSM tags, else not_public. "
                          f"Use one of {list(INSTITUTION_TYPES)} or a Chinese name (学校, "
                          "医院, 政府机关, 高校...).")
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
