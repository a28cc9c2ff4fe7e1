"""Stage 4, results: per-building view of the surface table, roll-ups, the gap to a target.

Modules: :mod:`.schema` (the output columns and their dtypes), :mod:`.buildings` (status,
reason and per-building sums), :mod:`.rollup`, :mod:`.shortfall`, :mod:`.savings`,
:mod:`.economics`.
"""
