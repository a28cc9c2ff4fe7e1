"""Stage 3, energy: pvlib's chain once per orientation class, and what a horizon costs.

Modules: :mod:`.chain` (the chain and the one cache), :mod:`.yields` (specific yield on a grid
of orientations), :mod:`.shading` (shading loss from a horizon).
"""

from .chain import MOUNTINGS, hourly_chain, solar_position
from .yields import optimal_tilt, specific_yield, yield_grid

__all__ = ["MOUNTINGS", "hourly_chain", "optimal_tilt", "solar_position", "specific_yield",
           "yield_grid"]
