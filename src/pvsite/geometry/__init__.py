"""Stage 2, geometry: from footprints to the table of PV surfaces, with their horizons.

Modules: :mod:`.roofs` (heights, roof types, planes), :mod:`.institutions` (type, district,
institution), :mod:`.surfaces` (the surface table), :mod:`.layout` (setbacks, rows, modules,
kWp), :mod:`.horizons` (the skyline each surface sees); ``_validate`` repairs or flags
geometries and ``_packing`` is the compiled module packer.
"""
