"""One chain, one cache, keyed by the assumptions the chain reads and nothing else."""

import ast
import re
from pathlib import Path

import pvsite
from pvsite import Assumptions
from pvsite.energy import chain

SRC = Path(chain.__file__).parent


def _source_of(module, name):
    tree = ast.parse((SRC / module).read_text())
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.get_source_segment((SRC / module).read_text(), fn)


def test_every_assumption_the_chain_reads_is_an_energy_field():
    # the fields read as ``a.<name>`` by what the cache keeps: the chain, the yield grid and
    # the shading tables
    read = set()
    for module, name in (("chain.py", "hourly_chain"), ("chain.py", "_temperature_params"),
                         ("yields.py", "yield_grid"), ("shading.py", "_class_tables")):
        read |= set(re.findall(r"\ba\.([a-z_]+)\b", _source_of(module, name)))
    fields = {name for name, _ in Assumptions().energy_fields()}
    assert read <= fields, read - fields
    assert {"gamma_pdc", "system_losses", "albedo", "temperature_model_flush"} <= fields


def test_the_key_follows_energy_fields_only(shanghai_weather):
    base = chain.energy_key(shanghai_weather, "racked", Assumptions())
    assert chain.energy_key(shanghai_weather, "racked", Assumptions(albedo=0.3)) != base
    assert chain.energy_key(shanghai_weather, "flush", Assumptions()) != base
    # layout and savings fields do not touch the chain: they share its results
    assert chain.energy_key(shanghai_weather, "racked",
                            Assumptions(edge_setback_m=2.0, grid_emission_factor=0.5)) == base


def test_yield_grid_and_shading_tables_live_in_the_one_cache(shanghai_weather):
    chain.CACHE.clear()
    pvsite.specific_yield(shanghai_weather, 20, 180)
    assert len(chain.CACHE) == 1
    pvsite.shading_loss(shanghai_weather, [20.0], [180.0], [[10.0] * 360])
    assert len(chain.CACHE) == 2  # one orientation class more
    pvsite.shading_loss(shanghai_weather, [20.0], [180.0], [[20.0] * 360])
    assert len(chain.CACHE) == 2  # the same class again: a hit
