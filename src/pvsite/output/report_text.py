"""The words of ``report.md`` in each language ``pvsite run --lang`` offers.

One dict per language, with the same keys; a text is a :meth:`str.format` template whose
fields (``{mw}``, ``{n}``...) are filled with computed numbers, never typed ones. English is
the default; :data:`TEXT` maps a language code to its dict, and every key of ``en`` has a
text in every other language (``tests/output/test_report_text.py`` checks it).
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "TEXT", "text"]

EN: dict[str, str] = {
    "title": "pvsite report",
    "banner": "> **{labels} DATA: a demonstration, not an estimate for real buildings.** In "
              "this run {made}. For real answers run `pvsite run --footprints F --weather W` on "
              "real footprints and a measured typical year.",
    "banner_buildings": "the buildings are **{label}** (made by pvsite to demonstrate the "
                        "method, not real buildings)",
    "banner_weather": "the weather year is **{label}** (made by pvsite from published monthly "
                      "means, not measured)",
    "and": " and ",
    "label_synthetic": "SYNTHETIC",
    "label_generated": "GENERATED",
    "buildings": "Buildings: {source}",
    "buildings_default": "input footprints",
    "weather": "Weather: {source}",
    "weather_default": "input weather",
    "run": "pvsite {version}; flat roofs tilted {tilt:g}°; shading: {shading}",
    "shading_neighbouring buildings": "neighbouring buildings",
    "shading_not modelled": "not modelled",
    "attribution": "Data: {attribution}. Maps and files made from them carry this credit; "
                   "databases derived from them are offered under the ODbL.",
    "h_summary": "Summary",
    "s_buildings": "buildings: {n:,} ({ok:,} ok, {unsuitable:,} unsuitable, {invalid:,} invalid)",
    "s_capacity": "capacity: {mwp:,.1f} MWp in all, {public:,.1f} MWp on public institutions",
    "s_energy": "energy: {gwh:,.1f} GWh/yr, {sy:,.0f} kWh/kWp",
    "s_savings": "savings: {co2:,.0f} t CO2/yr, {tce:,.0f} tce/yr (calorific-equivalent)",
    "s_untagged": "no building is tagged as a public institution: add institution_type (or OSM "
                  "amenity/office tags), or pass --sites; see report.md",
    "h_shortfall": "Shortfall against the {mw:,.1f} MW target",
    "by_district": "By district (eligible roofs: public institutions; {targets}):",
    "targets_shared": "the target shared out by technical potential",
    "targets_given": "the district targets given",
    "col_district": "district",
    "col_potential": "potential [MWp]",
    "col_planned": "planned [MWp]",
    "col_share": "share of target [MW]",
    "col_gap": "gap [MW]",
    "city": "city",
    "gap_note": "A district's gap is its share of the target less its planned capacity; the "
                "city's is the target less the whole plan.",
    "h_unmapped": "Sites mapped without buildings",
    "unmapped_note": "Their roofs are not in the potential or the plan: a range from the "
                     "building coverage of mapped sites of the same type (coverage_source), "
                     "never certain roofs.",
    "col_site": "site",
    "col_type": "type",
    "col_area": "area [m²]",
    "col_range": "capacity range [kWp]",
    "h_plan_first": "The plan's first {n} roofs ({policy})",
    "h_plan": "The plan ({policy})",
    "col_rank": "rank",
    "col_building": "building",
    "col_institution": "institution",
    "col_capacity": "capacity [kWp]",
    "col_cumulative": "cumulative [MWp]",
    "col_energy": "energy [MWh/yr]",
    "col_yield": "specific yield [kWh/kWp]",
    "all_roofs": "All {n:,} roofs: [plan.csv](plan.csv).",
    "no_roof": "No eligible roof: no suitable roof of a public institution.",
    "untagged": "**No building is a public institution in these data**, so nothing counts "
                "toward the target. Tag them: an `institution_type` column (government, "
                "university, school, hospital, other_public), or OpenStreetMap tags "
                "(`amenity=school`, `amenity=hospital`, `office=government`...), or give the "
                "institutions' site outlines with `--sites FILE`.",
    "h_method": "Method notes",
    "m_energy": "Energy: pvlib's chain for each orientation (Perez transposition, SAPM cell "
                "temperature, PVWatts DC with {losses:g} % losses, inverter at DC/AC "
                "{dcac:g} and {eff:.0%}); flat roofs in rows tilted {tilt:g}° facing the "
                "equator, spaced for no row shading 9:00-15:00 on the winter solstice "
                "(GB 50797-2012).",
    "m_heights": "Heights: the `height` tag, else storeys × {storey:g} m, else a default by "
                 "building type (Assumptions.default_storeys) or {default:g} m: here "
                 "{share:.0%} of the buildings.",
    "m_savings": "Savings: {ef:g} kg CO2/kWh (Shanghai, 沪环气〔2022〕34号); standard coal "
                 "{coal:g} kgce/kWh (calorific-equivalent, GB/T 2589-2020).",
    "m_target": "Target: {mw:,.1f} MW, read as {reading}.",
    "reading_new": "new capacity (installed not counted)",
    "reading_total": "total installed capacity",
    "h_maps": "Maps",
    "map_capacity": "Capacity per building, the plan's roofs ringed",
    "map_districts": "Potential and plan by district",
    "map_plan": "The plan against the target",
    "h_files": "Files",
    "columns_note": "Columns, units and meanings: `docs/data_dictionary.md` in the pvsite "
                    "repository.",
    "type_school": "school",
    "type_hospital": "hospital",
    "type_government": "government",
    "type_university": "university",
    "type_other_public": "other_public",
    "type_not_public": "not_public",
    "sf_target": "Target {mw:,.1f} MW ({reading}); installed {installed:,.1f} MW; technical "
                 "potential of eligible roofs {potential:,.1f} MWp.",
    "sf_plan": "Plan ({policy}): {n:,} roofs, {mwp:,.1f} MWp, {gwh:,.1f} GWh/yr.",
    "sf_no_plan": "Plan: no eligible roof.",
    "sf_reached": "The target is reached: gap {gap:,.1f} MW.",
    "sf_short": "NOT reachable with these buildings: short by {gap:,.1f} MW even with every "
                "suitable roof. Shortest districts: {names}.",
    "sf_unmapped": "{n:,} sites mapped without buildings: {low:,.1f}-{high:,.1f} MWp not "
                   "counted (a range; pvsite.unmapped_sites).",
    "sf_heights": "Heights defaulted for {share:.0%} of the buildings (no height, no "
                  "storeys): give a height or storeys column (--height-column/"
                  "--levels-column).",
    "sf_data": "Data: {labels}.",
    "sf_district_targets": "District targets: {targets}.",
    "sf_uptake": "Uptake {share:.0%} of each roof's technical potential.",
    "policy_priority": "priority",
    "policy_fewest_sites": "fewest_sites",
    "policy_yield": "yield",
    "policy_cost": "cost",
    "file_buildings.geojson": "one feature per input building, in WGS84, with the estimate",
    "file_buildings.csv": "the same table without geometry",
    "file_districts.csv": "totals per district",
    "file_institution_types.csv": "totals per institution type",
    "file_institutions.csv": "totals per institution",
    "file_shortfall.csv": "per district: the target and how far the plan gets",
    "file_plan.csv": "the ranked roofs that reach the target, in plan order",
    "file_plan.geojson": "the plan's roofs with their footprints, in WGS84",
    "file_plan.gpkg": "the same as a GeoPackage layer 'plan'",
    "file_map.html": "an interactive map of the buildings coloured by capacity",
}

ZH: dict[str, str] = {
    "title": "pvsite 光伏潜力报告",
    "banner": "> **{labels}数据：仅为方法演示，不是对真实建筑的估算。** 本次运行中{made}。"
              "如需真实结果，请用真实建筑轮廓和实测典型气象年运行 "
              "`pvsite run --footprints F --weather W`。",
    "banner_buildings": "建筑为 **{label}**（pvsite 为演示方法而生成，并非真实建筑）",
    "banner_weather": "气象年为 **{label}**（pvsite 依据公开的月均值生成，并非实测）",
    "and": "，",
    "label_synthetic": "合成（SYNTHETIC）",
    "label_generated": "生成（GENERATED）",
    "buildings": "建筑数据：{source}",
    "buildings_default": "输入的建筑轮廓",
    "weather": "气象数据：{source}",
    "weather_default": "输入的气象数据",
    "run": "pvsite {version}；平屋顶组件倾角 {tilt:g}°；遮挡：{shading}",
    "shading_neighbouring buildings": "计入相邻建筑遮挡",
    "shading_not modelled": "未计遮挡",
    "attribution": "数据：{attribution}。由其制作的地图和文件均须注明此来源；"
                   "由其派生的数据库按 ODbL 协议提供。",
    "h_summary": "摘要",
    "s_buildings": "建筑：{n:,} 栋（可用 {ok:,}，不适宜 {unsuitable:,}，无效 {invalid:,}）",
    "s_capacity": "装机潜力：共 {mwp:,.1f} MWp，其中公共机构 {public:,.1f} MWp",
    "s_energy": "年发电量：{gwh:,.1f} GWh，单位发电量 {sy:,.0f} kWh/kWp",
    "s_savings": "减排：每年 {co2:,.0f} 吨 CO2，节约标准煤 {tce:,.0f} 吨（当量值）",
    "s_untagged": "没有建筑被标为公共机构：请添加 institution_type（或 OSM 的 amenity/office "
                  "标签），或使用 --sites；详见 report.md",
    "h_shortfall": "与 {mw:,.1f} MW 目标的差距",
    "by_district": "分区统计（计入的屋顶：公共机构；{targets}）：",
    "targets_shared": "全市目标按技术潜力分配到各区",
    "targets_given": "采用给定的各区目标",
    "col_district": "区",
    "col_potential": "技术潜力 [MWp]",
    "col_planned": "规划容量 [MWp]",
    "col_share": "目标份额 [MW]",
    "col_gap": "缺口 [MW]",
    "city": "全市",
    "gap_note": "各区缺口为其目标份额减去规划容量；全市缺口为目标减去全部规划容量。",
    "h_unmapped": "未绘制建筑的机构用地",
    "unmapped_note": "这些用地的屋顶未计入潜力和规划：按同类已绘制用地的建筑密度给出区间"
                     "（见 coverage_source），并非确定的屋顶。",
    "col_site": "用地",
    "col_type": "类型",
    "col_area": "面积 [m²]",
    "col_range": "装机区间 [kWp]",
    "h_plan_first": "规划中排名前 {n} 的屋顶（{policy}）",
    "h_plan": "规划（{policy}）",
    "col_rank": "排名",
    "col_building": "建筑",
    "col_institution": "机构",
    "col_capacity": "装机容量 [kWp]",
    "col_cumulative": "累计容量 [MWp]",
    "col_energy": "年发电量 [MWh]",
    "col_yield": "单位发电量 [kWh/kWp]",
    "all_roofs": "全部 {n:,} 个屋顶：[plan.csv](plan.csv)。",
    "no_roof": "没有可计入的屋顶：公共机构中没有适宜安装的屋顶。",
    "untagged": "**这些数据中没有公共机构建筑**，因此没有屋顶计入目标。请标注：添加 "
                "`institution_type` 列（government、university、school、hospital、"
                "other_public），或 OpenStreetMap 标签（`amenity=school`、`amenity=hospital`、"
                "`office=government` 等），或用 `--sites FILE` 提供机构用地边界。",
    "h_method": "方法说明",
    "m_energy": "发电量：按朝向用 pvlib 计算链（Perez 散射模型、SAPM 电池温度、PVWatts 直流"
                "模型，系统损失 {losses:g} %，逆变器容配比 {dcac:g}、效率 {eff:.0%}）；平屋顶"
                "组件成排朝向赤道、倾角 {tilt:g}°，排间距保证冬至日 9:00-15:00 前后排不遮挡"
                "（GB 50797-2012）。",
    "m_heights": "高度：取 `height` 标签，否则层数 × {storey:g} m，否则按建筑类型取默认层数"
                 "（Assumptions.default_storeys）或 {default:g} m：本数据中 {share:.0%} 的建筑"
                 "采用默认值。",
    "m_savings": "减排：上海电网排放因子 {ef:g} kgCO2/kWh（沪环气〔2022〕34号）；标准煤 "
                 "{coal:g} kgce/kWh（当量值，GB/T 2589-2020）。",
    "m_target": "目标：{mw:,.1f} MW，按{reading}理解。",
    "reading_new": "新增装机容量（已建容量不计入）",
    "reading_total": "装机总容量",
    "h_maps": "地图",
    "map_capacity": "各建筑装机容量（圈出规划屋顶）",
    "map_districts": "各区潜力与规划",
    "map_plan": "规划累计容量与目标",
    "h_files": "文件",
    "columns_note": "各列的含义与单位：见 pvsite 仓库中的 `docs/data_dictionary.md`。",
    "type_school": "学校",
    "type_hospital": "医院",
    "type_government": "党政机关",
    "type_university": "高校",
    "type_other_public": "其他公共机构",
    "type_not_public": "非公共机构",
    "sf_target": "目标 {mw:,.1f} MW（{reading}）；已建 {installed:,.1f} MW；可计入屋顶的技术"
                 "潜力 {potential:,.1f} MWp。",
    "sf_plan": "规划（{policy}）：{n:,} 个屋顶，{mwp:,.1f} MWp，年发电 {gwh:,.1f} GWh。",
    "sf_no_plan": "规划：没有可计入的屋顶。",
    "sf_reached": "可以达到目标：缺口 {gap:,.1f} MW。",
    "sf_short": "这些建筑**无法**达到目标：即使用上全部适宜屋顶仍差 {gap:,.1f} MW。"
                "缺口最大的区：{names}。",
    "sf_unmapped": "{n:,} 处机构用地未绘制建筑：{low:,.1f}-{high:,.1f} MWp 未计入"
                   "（区间估计；pvsite.unmapped_sites）。",
    "sf_heights": "{share:.0%} 的建筑无高度和层数，采用默认高度：请提供高度或层数列"
                  "（--height-column/--levels-column）。",
    "sf_data": "数据：{labels}。",
    "sf_district_targets": "各区目标：{targets}。",
    "sf_uptake": "建设比例：按各屋顶技术潜力的 {share:.0%} 计入。",
    "policy_priority": "按优先级：学校、医院、党政机关、高校",
    "policy_fewest_sites": "最少屋顶数",
    "policy_yield": "最高单位发电量",
    "policy_cost": "最低度电成本",
    "file_buildings.geojson": "每栋输入建筑一个要素（WGS84），含估算结果",
    "file_buildings.csv": "同上表格，不含几何",
    "file_districts.csv": "各区汇总",
    "file_institution_types.csv": "各机构类型汇总",
    "file_institutions.csv": "各机构汇总",
    "file_shortfall.csv": "各区目标与规划完成情况",
    "file_plan.csv": "达到目标的屋顶排序（规划顺序）",
    "file_plan.geojson": "规划屋顶及其轮廓（WGS84）",
    "file_plan.gpkg": "同上，GeoPackage 图层 'plan'",
    "file_map.html": "按装机容量着色的交互式建筑地图",
}

#: Language code -> the report's texts.
TEXT: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}
#: The languages ``pvsite run --lang`` offers, English first (the default).
LANGUAGES = tuple(TEXT)


def text(lang: str) -> dict[str, str]:
    """The texts of language ``lang`` ('en' or 'zh'), English where one is missing.

    Examples
    --------
    >>> text("zh")["title"]
    'pvsite 光伏潜力报告'
    """
    if lang not in TEXT:
        from ..errors import ArgumentError

        raise ArgumentError(f"lang={lang!r}; use one of {list(LANGUAGES)}.")
    return {**EN, **TEXT[lang]}
