"""Stage 1, inputs: the data users bring (footprints, OpenStreetMap, weather) and what ships.

Readers return frames and never write files. Modules: :mod:`.footprints`, :mod:`.weather`,
:mod:`.osm`, :mod:`.tags` (heights, storeys and institution tags), :mod:`.sites` (which site
contains a building), :mod:`.coords` (GCJ-02 and BD-09), :mod:`.datasets` (the bundled data).
"""
