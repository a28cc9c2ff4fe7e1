"""The assumptions behind every pvsite number, as one typed, documented object.

Each default is cited where it comes from outside the project. Pass your own
``Assumptions(...)`` to any function that takes ``assumptions=``; the object is frozen, so use
:meth:`Assumptions.replace` to vary one field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["Assumptions", "INSTITUTION_TYPES"]

#: Institution types pvsite knows, in the order the 2022 Shanghai plan names them.
INSTITUTION_TYPES: tuple[str, ...] = (
    "government",
    "university",
    "school",
    "hospital",
    "other_public",
    "not_public",
)


#: Field metadata of the assumptions that pvlib's chain reads: they, and only they, key the
#: energy cache (:meth:`Assumptions.energy_fields`).
_ENERGY = MappingProxyType({"stage": "energy"})


def _frozen(d: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Assumptions:
    """Defaults of the pvsite method; every field is also an explicit argument.

    Module
    ------
    module_power_w : float
        Rated power at STC of one module [W]. Default 580 W: a 72-cell-equivalent (144 half-cell)
        n-type TOPCon module of 2,278 mm x 1,134 mm, the mainstream size of 2023-2025, e.g.
        JinkoSolar Tiger Neo JKM580N-72HL4 datasheet (560-580 W class).
    module_length_m, module_width_m : float
        Module dimensions [m]. Default 2.278 m x 1.134 m (same datasheet).
    gamma_pdc : float
        Temperature coefficient of DC power [1/K]. Default -0.0029 /K, the Pmax coefficient of
        -0.29 %/K in the same datasheet class of n-type TOPCon modules.

    System
    ------
    system_losses : float
        PVWatts DC system losses [%]. Default 14 %, the PVWatts v5 default (Dobos 2014,
        NREL/TP-6A20-62641, table 3); :meth:`from_loss_items` computes it from itemised losses
        with :func:`pvlib.pvsystem.pvwatts_losses` (its own defaults give 14.08 %).
    dc_ac_ratio : float
        Array DC rating over inverter AC rating [-]. Default 1.2, the PVWatts v5 default
        (Dobos 2014). The inverter's DC input limit is ``1 / (dc_ac_ratio * inverter_efficiency)``
        per W of array, as in PVWatts.
    inverter_efficiency : float
        Nominal inverter efficiency [0-1]. Default 0.96, the PVWatts v5 default (Dobos 2014),
        used as ``eta_inv_nom`` of :func:`pvlib.inverter.pvwatts`.
    temperature_model_racked, temperature_model_flush : str
        SAPM cell-temperature parameter sets of
        ``pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS['sapm']`` (King et al. 2004,
        SAND2004-3535). Default ``open_rack_glass_polymer`` for tilted rows on flat roofs and
        ``close_mount_glass_glass`` (King's "close roof mount") for modules flush on pitched roofs.
    albedo : float
        Ground (roof) reflectance [0-1]. Default 0.2, the PVWatts v5 default (Dobos 2014).

    Roofs and layout
    ----------------
    flat_roof_tilt : float or None
        Tilt of racked rows on flat roofs [deg]. ``None`` (default) takes the site's optimal tilt
        for annual yield from :func:`pvsite.optimal_tilt`, rounded to a whole degree.
    flat_roof_max_slope : float
        A roof plane flatter than this is flat [deg]. Default 5 deg.
    edge_setback_m : float
        Clear band kept along every roof edge [m]. Default 1.22 m: the 4 ft (1,219 mm) perimeter
        pathway of the International Fire Code (IFC 2021 section 1205.3.1; IFC 2018 1204.3.1)
        on commercial roofs where either axis of the building is 250 ft (76.2 m) or less; roofs
        larger on both axes get 1.5 times this (the code's 6 ft, 1.83 m). See
        :func:`pvsite.geometry.layout.edge_setback`.
    obstruction_share : mapping of institution type to float
        Share of the set-back roof taken by stairwells, lift overruns, HVAC plant, water tanks and
        skylights [0-1]. A pvsite assumption (no published Shanghai survey was found): hospitals
        0.35 (heavy HVAC and medical-gas plant), government 0.25, university 0.25, other 0.25,
        school 0.20 (simple teaching blocks).
    min_usable_area_m2 : float
        Smallest usable area worth an installation [m^2]. Default 10 m^2, the minimum roof-plane
        size of NREL's rooftop potential method (Gagnon et al. 2016, NREL/TP-6A20-65298, as
        NREL's PV Rooftop Database documentation restates it: github.com/openEDI/documentation,
        PVROOFTOPS_PR.md) and of the Shanghai LiDAR study of Huang et al. (2015).
    min_width_m : float
        Narrowest usable strip [m]; narrower parts of the set-back roof are dropped. Default
        equal to the module length, 2.278 m.
    max_footprint_m2 : float
        A footprint larger than this is ``invalid`` ("implausibly large"), never in a plan: a
        unit or CRS error, or a boundary read as a building [m^2]. Default 2 km^2, a pvsite
        assumption: about twice the largest single buildings' footprints (factories and
        terminals of the order of 1 km^2).
    max_aspect_ratio : float
        A footprint whose minimum rotated rectangle is more than this many times as long as
        it is wide is ``invalid`` (a line digitised as a polygon, a sliver) [-]. Default 100,
        a pvsite assumption (a 1 km long, 10 m wide building passes).
    row_alignment_max_deg : float
        Rows on a flat roof may run parallel to the roof's edges when those are within this
        angle of east-west (the modules then face up to this far from due south): the layout
        keeps whichever of that and due-south rows fits more modules. Default 15 deg, a pvsite
        assumption (the yield cost of facing 15 deg off south is about 1 % in Shanghai).
        0 always faces due south.
    design_hours : tuple of float
        Apparent solar times on the winter solstice between which no row shades the next
        [h]. Default 9:00-15:00, as GB 50797-2012 (photovoltaic power station design code)
        prescribes for row spacing.

    Carports
    --------
    Used by :func:`pvsite.carports` (PV canopies over open car parks, with chargers).

    parking_space_width_m, parking_space_length_m : float
        Size of a perpendicular parking space for a car [m]. Default 2.4 m x 5.3 m, the
        minimum of JGJ 100-98 (车库建筑设计规范) §4.1.5.3, "垂直式停车方式的小型汽车停车位最小尺寸
        宜为5.3m(长)x2.4m(宽)" (2.5 m x 5.3 m is often quoted as preferred).
    parking_aisle_m : float
        Width of the driving aisle that serves the rows of spaces on each side [m]. Default
        6.0 m, a pvsite assumption (a common width for perpendicular parking; the code's table
        was not read).
    carport_tilt : float
        Tilt of the canopies [deg], facing the side of each row nearer the equator. Default
        7 deg, a pvsite assumption near the 6 deg of a built Chinese PV carport (Beijing
        Yizhuang, 1,620 m^2, 882 x 265 Wp at 6 deg; vendor and news pages, secondary).
    carport_height_m : float
        Height of the modules on a canopy above the ground [m]. Default 3.0 m, a pvsite
        assumption (clearance for cars and vans under a low canopy).
    min_carport_spaces : int
        Car parks with fewer spaces are unsuitable. Default 10, a pvsite assumption.
    spaces_per_charger : float
        Parking spaces per charging point installed with the canopy. Default 10 (one space in
        ten), a pvsite assumption.
    charger_kw : float
        Power of a charging point [kW]. Default 7 kW, a pvsite assumption (an AC charger).
    charging_sessions_per_day : float
        Sessions per charging point and day. Default 1.5, a pvsite assumption.
    charging_kwh_per_session : float
        Energy per charging session [kWh]. Default 15 kWh, a pvsite assumption.
    carport_capex_yuan_per_wp : float
        Investment per W of a PV carport, structure included [yuan/W]. Default 4.5, a pvsite
        assumption (a steel canopy costs more than roof racking; no citable figure was found).
    charger_capex_yuan : float
        Investment per charging point [yuan]. Default 8,000, a pvsite assumption.

    Facades (building-integrated PV)
    --------------------------------
    Used by ``estimate(..., facades=True)`` (:mod:`pvsite.geometry.facades`).

    facade_usable_share : mapping of institution type to float
        Share of a wall above the ground floor that BIPV modules can take, windows, balconies
        and edges excluded [0-1]. Default 0.3 for every type, a pvsite assumption (no citable
        per-type window-to-wall ratio of Shanghai public buildings was found).
    bipv_power_w_per_m2 : float
        Rated power of glass-glass BIPV modules per m^2 of module [W/m^2]. Default 150, a
        pvsite assumption below the 225 W/m^2 of the roof module above (580 W on 2.58 m^2):
        BIPV glass is coloured or patterned and framed to the facade's grid.
    temperature_model_bipv : str
        pvlib SAPM cell-temperature parameter set for modules built into a wall. Default
        ``'insulated_back_glass_polymer'`` (pvlib ``TEMPERATURE_MODEL_PARAMETERS['sapm']``, King
        et al. 2004): no air behind the module.
    facade_min_yield_share : float
        Facades whose specific yield is below this share of the site's best orientation are
        ``unsuitable``. Default 0.5, a pvsite assumption (a south facade in Shanghai yields
        about 62 % of the optimum: pvlib on the Hongqiao TMYx year, ../shared/FACTS.md).

    Buildings
    ---------
    storey_height_m : float
        Height per storey when only ``building:levels`` is known [m]. Default 3.0 m (DESIGN.md).
    default_height_m : float
        Height when neither ``height`` nor ``building:levels`` is known, and the building's
        ``building`` tag is not in ``default_storeys`` [m]. Default 12 m (four storeys of
        3 m); such rows are flagged in ``reason``.
    default_storeys : mapping of OSM ``building`` value to float
        Storeys assumed by building type where neither height nor storeys are given (times
        ``storey_height_m``). school 4 and kindergarten 3: the storeys that GB 50099-2011
        (中小学校设计规范) allows the main teaching rooms of primary schools (secondary
        schools: 5) and JGJ 39-2016 (托儿所、幼儿园建筑设计规范) children's rooms, read as the
        usual height of such buildings; apartments, residential and dormitory 6: GB
        50096-2011 (住宅设计规范) requires lifts from the seventh storey, so walk-up housing
        and dormitories stop at six (a pvsite reading; towers have their storeys mapped more
        often). university and college 5, hospital 6, office, government and public 6,
        commercial and retail 3, house, detached and terrace 2, industrial, warehouse and
        hangar 3 (a tall single storey), garage, garages, shed, roof, kiosk and greenhouse 1:
        pvsite assumptions.
    max_default_height_share : float
        Share of the buildings with a default height (no ``height``, no storeys) above which
        :func:`pvsite.shortfall` warns and says how to give heights (a height or storeys
        column; ``--height-column``/``--levels-column``) [0-1]. Default 0.5, a pvsite
        assumption: past half, shading between the buildings is mostly guessed.

    Savings
    -------
    grid_emission_factor : float
        CO2 avoided per kWh generated [kg CO2/kWh]. Default 0.42, Shanghai Municipal Bureau of
        Ecology and Environment, 沪环气〔2022〕34号 (4.2 t CO2 per 10^4 kWh).
    coal_factor_calorific : float
        Standard coal per kWh, calorific-equivalent method [kgce/kWh]. Default 0.1229,
        GB/T 2589-2020 (综合能耗计算通则).
    coal_factor_consumption : float
        Standard coal per kWh, coal-consumption (generation-equivalent) method [kgce/kWh].
        Default 0.3055, the average coal consumption of thermal power supply in 2020,
        China Electricity Council annual statistics (305.5 gce/kWh).

    Costs
    -----
    Used by :func:`pvsite.economics` and the 'cost' ranking of :func:`pvsite.shortfall`.
    These defaults are ILLUSTRATIVE: only the discount rate has a published source that could
    be read here. Set them from your own quotations and tariff before using the 'cost' ranking.

    capex_yuan_per_wp : float
        Initial investment per W of DC capacity [yuan/W]. Default 3.5, a pvsite assumption
        between the 2022 average for fully installed solar systems in China, 4.13 yuan/W, and
        the 2.81 yuan/W projected for commercial and industrial distributed PV (Tsinghua
        University Institute for Carbon Neutrality, Technology Outlook on Wind and Solar Power
        toward China's Carbon Neutrality Goal, as reported by China Daily, 8 January 2024).
    site_cost_yuan : float
        Fixed cost per site (design, grid connection, approvals) [yuan]. Default 50,000, a
        pvsite assumption (no published figure found); it makes small roofs dearer per kWh.
    opex_yuan_per_wp_year : float
        Operation and maintenance per W and year [yuan/(W a)]. Default 0.04, a pvsite
        assumption (no citable figure found).
    electricity_price_yuan_per_kwh : float
        Value of a kWh used on site [yuan/kWh]. Default 0.7, a pvsite assumption for the
        time-of-use commercial tariff a public building avoids (no citable Shanghai tariff
        table was found); set the tariff that applies.
    discount_rate : float
        Discount rate [1/a]. Default 0.039: the 2020-2021 cost of capital of solar PV in China
        in IRENA (2023), The cost of financing for renewable power (nominal).
    lifetime_years : int
        Years of operation. Default 25, the usual module warranty term.
    degradation_per_year : float
        Yearly loss of module output [1/a]. Default 0.005, a pvsite assumption in the range of
        linear power warranties of current modules.

    Loads, tariff and storage
    -------------------------
    Used by :func:`pvsite.results.loads.load_profile` and
    :func:`pvsite.results.storage.self_consumption`.

    load_intensity_kwh_per_m2 : mapping of institution type to float
        Annual electricity use per m^2 of floor area [kWh/(m^2 a)]. Government 75 and
        other_public 75: the middle of the 50-100 kWh/(m^2 a) reported for offices in southern
        China (secondary sources, ../shared/FACTS.md); school 30 and university 40: education
        "below 40" in the same sources (the split is a pvsite assumption); hospital 150 and
        not_public 40: pvsite assumptions (no citable figure was found; hospitals run around
        the clock). Replace them with metered loads where you have them.
    tariff : str
        Time-of-use tariff: 'two_part' (两部制, default) or 'single_part' (单一制) of
        Shanghai's notice 沪发改价管〔2022〕50号 (:mod:`pvsite.results.tariff`).
    tariff_flat_yuan_per_kwh : float
        Energy price of the flat (平段) period [yuan/kWh]; the other periods are this times the
        notice's multipliers. Default 0.7, a pvsite assumption (no absolute Shanghai price was
        found; the same value as ``electricity_price_yuan_per_kwh``).
    export_price_yuan_per_kwh : float
        Price of a kWh fed into the grid [yuan/kWh]. Default 0.4155, Shanghai's coal benchmark
        (desulphurised) feed-in price (provincial price tables, secondary; Shanghai's 2025
        mechanism-price auction also cleared at 0.4155; ../shared/FACTS.md).
    battery_round_trip_efficiency : float
        AC to AC round-trip efficiency of the battery [0-1], split evenly between charge and
        discharge. Default 0.90, a pvsite assumption (lithium iron phosphate systems).
    battery_soc_min, battery_soc_max : float
        State-of-charge limits as shares of the nominal capacity [0-1]. Defaults 0.10 and 0.95,
        pvsite assumptions; the battery starts the year at ``battery_soc_min``.
    battery_price_yuan_per_kwh : float
        Installed price of battery storage [yuan/kWh]. Default 1,120: the June 2023 average
        bid price of storage systems in China, 1.12 yuan/Wh (equipment 1.04, EPC 1.49;
        EnergyTrend, 2023-07-17). By 2025 about 0.46 yuan/Wh for a 2-hour system (Mercom):
        use 460 for a current price.

    Target
    ------
    target_kw : float
        Capacity target [kW]. Default 50,000 kW: "到2023年全市公共机构光伏项目新增装机容量5万千瓦",
        Shanghai public-institution green low-carbon action plan (2022).

    Uncertainty
    -----------
    Ranges of the weakest assumptions, drawn by ``shortfall(..., uncertainty=N)``
    (:mod:`pvsite.results.uncertainty`). Each is a pair (low, high) of RELATIVE factors on the
    deterministic value; (1, 1) leaves that input fixed.

    obstruction_share_range : (float, float)
        Factor on each institution type's ``obstruction_share``, one factor per type and draw,
        log-uniform between low and high (median 1). Default (0.5, 2.0): the shares are pvsite
        assumptions with no published survey behind them, so "half to double" is a pvsite
        assumption; on the bundled data halving or doubling every share moves the public
        potential from 94.5 to 110.4 or 62.6 MWp (measured with ``estimate``, issue 19).
    weather_year_range : (float, float)
        Factor on every roof's annual energy, one per draw, uniform between low and high.
        Default (0.94, 1.06): the GENERATED year (NASA SSE, 1,391 kWh/m^2 a of GHI) yields
        about 6 % less than the two TMYx years of Shanghai Hongqiao (ERA5, 1,471-1,481
        kWh/m^2 a; ../shared/FACTS.md, ``tests/energy/test_yields.py``), and which typical
        year is right is not known; no interannual-variability figure for Shanghai was read,
        so the width is that 6 % (a pvsite assumption).
    default_height_shading_range : (float, float)
        Factor on the shading loss of roofs whose height is a default (``height_source ==
        'default'``), one per draw, log-uniform between low and high. Default (0.8, 1.25), a
        pvsite assumption about twice the effect measured on the bundled data: every default
        height 25 % lower or higher (``default_height_m`` and ``default_storeys`` x 0.75 or
        x 1.25, a second ``estimate``) moves the mean shading loss of the roofs with a
        defaulted height from 4.9 % to 5.3 % or 4.6 % (factors 1.08 and 0.94) and the city's
        energy by under 0.1 %.
    """

    # module
    module_power_w: float = 580.0
    module_length_m: float = 2.278
    module_width_m: float = 1.134
    gamma_pdc: float = field(default=-0.0029, metadata=_ENERGY)
    # system
    system_losses: float = field(default=14.0, metadata=_ENERGY)
    dc_ac_ratio: float = field(default=1.2, metadata=_ENERGY)
    inverter_efficiency: float = field(default=0.96, metadata=_ENERGY)
    temperature_model_racked: str = field(default="open_rack_glass_polymer",
                                          metadata=_ENERGY)
    temperature_model_flush: str = field(default="close_mount_glass_glass", metadata=_ENERGY)
    albedo: float = field(default=0.2, metadata=_ENERGY)
    # roofs and layout
    flat_roof_tilt: float | None = None
    flat_roof_max_slope: float = 5.0
    edge_setback_m: float = 1.22
    obstruction_share: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "government": 0.25,
                "university": 0.25,
                "school": 0.20,
                "hospital": 0.35,
                "other_public": 0.25,
                "not_public": 0.25,
            }
        )
    )
    min_usable_area_m2: float = 10.0
    min_width_m: float = 2.278
    max_footprint_m2: float = 2_000_000.0
    max_aspect_ratio: float = 100.0
    row_alignment_max_deg: float = 15.0
    design_hours: tuple[float, float] = (9.0, 15.0)
    # carports
    parking_space_width_m: float = 2.4
    parking_space_length_m: float = 5.3
    parking_aisle_m: float = 6.0
    carport_tilt: float = 7.0
    carport_height_m: float = 3.0
    min_carport_spaces: int = 10
    spaces_per_charger: float = 10.0
    charger_kw: float = 7.0
    charging_sessions_per_day: float = 1.5
    charging_kwh_per_session: float = 15.0
    carport_capex_yuan_per_wp: float = 4.5
    charger_capex_yuan: float = 8_000.0
    # facades (BIPV)
    facade_usable_share: Mapping[str, float] = field(
        default_factory=lambda: _frozen(dict.fromkeys(INSTITUTION_TYPES, 0.3)))
    bipv_power_w_per_m2: float = 150.0
    temperature_model_bipv: str = field(default="insulated_back_glass_polymer",
                                        metadata=_ENERGY)
    facade_min_yield_share: float = 0.5
    # buildings
    storey_height_m: float = 3.0
    default_height_m: float = 12.0
    default_storeys: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "school": 4, "kindergarten": 3, "apartments": 6, "residential": 6,
                "dormitory": 6, "university": 5, "college": 5, "hospital": 6, "office": 6,
                "government": 6, "public": 6, "commercial": 3, "retail": 3, "house": 2,
                "detached": 2, "terrace": 2, "industrial": 3, "warehouse": 3, "hangar": 3,
                "garage": 1, "garages": 1, "shed": 1, "roof": 1, "kiosk": 1, "greenhouse": 1,
            }
        )
    )
    max_default_height_share: float = 0.5
    # savings
    grid_emission_factor: float = 0.42
    coal_factor_calorific: float = 0.1229
    coal_factor_consumption: float = 0.3055
    # costs
    capex_yuan_per_wp: float = 3.5
    site_cost_yuan: float = 50_000.0
    opex_yuan_per_wp_year: float = 0.04
    electricity_price_yuan_per_kwh: float = 0.7
    discount_rate: float = 0.039
    lifetime_years: int = 25
    degradation_per_year: float = 0.005
    # loads, tariff and storage
    load_intensity_kwh_per_m2: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "government": 75.0,
                "university": 40.0,
                "school": 30.0,
                "hospital": 150.0,
                "other_public": 75.0,
                "not_public": 40.0,
            }
        )
    )
    tariff: str = "two_part"
    tariff_flat_yuan_per_kwh: float = 0.7
    export_price_yuan_per_kwh: float = 0.4155
    battery_round_trip_efficiency: float = 0.90
    battery_soc_min: float = 0.10
    battery_soc_max: float = 0.95
    battery_price_yuan_per_kwh: float = 1120.0
    # target
    target_kw: float = 50_000.0
    # uncertainty (relative factors, drawn by shortfall(..., uncertainty=N))
    obstruction_share_range: tuple[float, float] = (0.5, 2.0)
    weather_year_range: tuple[float, float] = (0.94, 1.06)
    default_height_shading_range: tuple[float, float] = (0.8, 1.25)

    def __post_init__(self) -> None:
        checks = {
            "module_power_w": self.module_power_w > 0,
            "module_length_m": self.module_length_m > 0,
            "module_width_m": self.module_width_m > 0,
            "system_losses": 0 <= self.system_losses < 100,
            "dc_ac_ratio": self.dc_ac_ratio > 0,
            "inverter_efficiency": 0 < self.inverter_efficiency <= 1,
            "albedo": 0 <= self.albedo <= 1,
            "edge_setback_m": self.edge_setback_m >= 0,
            "min_usable_area_m2": self.min_usable_area_m2 >= 0,
            "max_footprint_m2": self.max_footprint_m2 > 0,
            "max_aspect_ratio": self.max_aspect_ratio >= 1,
            "storey_height_m": self.storey_height_m > 0,
            "default_height_m": self.default_height_m > 0,
            "max_default_height_share": 0 <= self.max_default_height_share <= 1,
            "target_kw": self.target_kw >= 0,
            "capex_yuan_per_wp": self.capex_yuan_per_wp >= 0,
            "site_cost_yuan": self.site_cost_yuan >= 0,
            "opex_yuan_per_wp_year": self.opex_yuan_per_wp_year >= 0,
            "discount_rate": self.discount_rate > -1,
            "lifetime_years": self.lifetime_years >= 1,
            "degradation_per_year": 0 <= self.degradation_per_year < 1,
            "row_alignment_max_deg": 0 <= self.row_alignment_max_deg <= 45,
            "tariff": self.tariff in ("two_part", "single_part"),
            "tariff_flat_yuan_per_kwh": self.tariff_flat_yuan_per_kwh >= 0,
            "export_price_yuan_per_kwh": self.export_price_yuan_per_kwh >= 0,
            "battery_round_trip_efficiency": 0 < self.battery_round_trip_efficiency <= 1,
            "battery_soc_min": 0 <= self.battery_soc_min < self.battery_soc_max,
            "battery_soc_max": self.battery_soc_min < self.battery_soc_max <= 1,
            "battery_price_yuan_per_kwh": self.battery_price_yuan_per_kwh >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if self.flat_roof_tilt is not None and not 0 <= self.flat_roof_tilt <= 90:
            bad.append("flat_roof_tilt")
        if any(not 0 <= v < 1 for v in self.obstruction_share.values()):
            bad.append("obstruction_share")
        if any(not v >= 0 for v in self.load_intensity_kwh_per_m2.values()):
            bad.append("load_intensity_kwh_per_m2")
        if any(not v > 0 for v in self.default_storeys.values()):
            bad.append("default_storeys")
        if any(not 0 <= v <= 1 for v in self.facade_usable_share.values()):
            bad.append("facade_usable_share")
        bad += [name for name in ("parking_space_width_m", "parking_space_length_m",
                                  "spaces_per_charger", "bipv_power_w_per_m2")
                if not getattr(self, name) > 0]
        bad += [name for name in ("parking_aisle_m", "carport_height_m", "charger_kw",
                                  "charging_sessions_per_day", "charging_kwh_per_session",
                                  "carport_capex_yuan_per_wp", "charger_capex_yuan",
                                  "min_carport_spaces")
                if not getattr(self, name) >= 0]
        if not 0 <= self.carport_tilt < 90:
            bad.append("carport_tilt")
        if not 0 <= self.facade_min_yield_share <= 1:
            bad.append("facade_min_yield_share")
        bad += [name for name in ("obstruction_share_range", "weather_year_range",
                                  "default_height_shading_range")
                if not (len(getattr(self, name)) == 2
                        and 0 < getattr(self, name)[0] <= getattr(self, name)[1] < 1e6)]
        if bad:
            values = ", ".join(f"{n}={getattr(self, n)!r}" for n in bad)
            raise ValueError(f"Assumptions out of range: {values}. See help(pvsite.Assumptions).")
        object.__setattr__(self, "obstruction_share", _frozen(self.obstruction_share))
        object.__setattr__(self, "load_intensity_kwh_per_m2",
                           _frozen(self.load_intensity_kwh_per_m2))
        object.__setattr__(self, "facade_usable_share", _frozen(self.facade_usable_share))
        object.__setattr__(self, "default_storeys", _frozen(self.default_storeys))

    @property
    def module_area_m2(self) -> float:
        """Area of one module [m^2]."""
        return self.module_length_m * self.module_width_m

    def energy_fields(self) -> tuple[tuple[str, Any], ...]:
        """(name, value) of every field pvlib's chain reads, in field order.

        The fields marked as energy fields in their definition; the energy cache is keyed on
        exactly these (:func:`pvsite.energy.chain.energy_key`), so a new field the chain reads
        is marked once, where it is defined.

        Examples
        --------
        >>> [name for name, _ in Assumptions().energy_fields()][:3]
        ['gamma_pdc', 'system_losses', 'dc_ac_ratio']
        """
        return tuple((f.name, getattr(self, f.name)) for f in dataclasses.fields(self)
                     if f.metadata.get("stage") == "energy")

    def replace(self, **changes: Any) -> Assumptions:
        """Return a copy with some fields changed, e.g. ``a.replace(system_losses=10)``."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_loss_items(cls, **kwargs: Any) -> Assumptions:
        """Build assumptions whose ``system_losses`` combines itemised PVWatts losses.

        Keyword arguments named like those of :func:`pvlib.pvsystem.pvwatts_losses`
        (``soiling``, ``shading``, ``snow``, ``mismatch``, ``wiring``, ``connections``, ``lid``,
        ``nameplate_rating``, ``age``, ``availability``, each in [%]) go to that function; any
        other keyword is an :class:`Assumptions` field.

        Examples
        --------
        >>> round(Assumptions.from_loss_items(shading=0).system_losses, 2)
        11.42
        """
        import inspect

        from pvlib.pvsystem import pvwatts_losses

        items = set(inspect.signature(pvwatts_losses).parameters)
        loss_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in items}
        return cls(system_losses=float(pvwatts_losses(**loss_kw)), **kwargs)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of every field, for reports and metadata."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["obstruction_share"] = dict(self.obstruction_share)
        out["load_intensity_kwh_per_m2"] = dict(self.load_intensity_kwh_per_m2)
        out["facade_usable_share"] = dict(self.facade_usable_share)
        out["default_storeys"] = dict(self.default_storeys)
        return out
