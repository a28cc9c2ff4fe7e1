"""Stage 5, output: the only stage that draws or writes files.

Modules: :mod:`.plot` (maps and charts, matplotlib imported lazily) and :mod:`.export`
(GeoJSON, GeoPackage, GeoParquet, CSV; every writer atomic).
"""
