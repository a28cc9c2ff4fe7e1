"""An independent reference for battery dispatch: the optimum by linear programming (scipy).

Written here from the problem statement, not from pvsite's dispatch code. One battery, hourly
steps, charged only from PV surplus and discharged only into the load (the same action space as
the rule), with charge and discharge efficiencies, power and state-of-charge limits, starting
at the lower limit. Variables per hour t: charge c_t, discharge d_t, state of charge s_t
(after the hour). Then import_t = deficit_t - d_t and export_t = surplus_t - c_t.
"""

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, hstack, identity


def optimal_dispatch(generation, load, *, capacity_kwh, power_kw, eta_charge, eta_discharge,
                     soc_min, soc_max, import_price=None, export_price=0.0):
    """LP optimum of one battery over a horizon.

    Objective: with ``import_price`` None, the least imported energy [kWh]; else the least
    bill, sum(import_price x import) - export_price x sum(export) [yuan].

    Returns
    -------
    dict
        ``charged``, ``discharged``, ``soc``, ``imported``, ``exported`` (arrays per hour) and
        ``objective`` (total imports [kWh] or the bill [yuan]).
    """
    gen = np.asarray(generation, dtype=float)
    lo = np.asarray(load, dtype=float)
    n = gen.size
    surplus = np.maximum(gen - lo, 0.0)
    deficit = np.maximum(lo - gen, 0.0)
    price = np.ones(n) if import_price is None else np.asarray(import_price, dtype=float)
    # cost of import_t = price_t (deficit_t - d_t); of export_t = -export_price (surplus_t - c_t)
    # -> objective in (c, d, s): export_price * c - price * d (+ constants)
    exp_p = 0.0 if import_price is None else float(export_price)
    cost = np.concatenate([np.full(n, exp_p), -price, np.zeros(n)])
    # s_t - s_{t-1} - eta_c c_t + d_t / eta_d = 0, s_{-1} = soc_min * capacity
    shift = coo_matrix((np.ones(n - 1), (np.arange(1, n), np.arange(n - 1))), shape=(n, n))
    a_eq = hstack([-eta_charge * identity(n), identity(n) / eta_discharge,
                   identity(n) - shift]).tocsr()
    b_eq = np.zeros(n)
    b_eq[0] = soc_min * capacity_kwh
    bounds = ([(0.0, min(power_kw, s)) for s in surplus]
              + [(0.0, min(power_kw, d)) for d in deficit]
              + [(soc_min * capacity_kwh, soc_max * capacity_kwh)] * n)
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    c, d, s = res.x[:n], res.x[n:2 * n], res.x[2 * n:]
    imported, exported = deficit - d, surplus - c
    objective = (imported.sum() if import_price is None
                 else float(price @ imported - export_price * exported.sum()))
    return {"charged": c, "discharged": d, "soc": s, "imported": imported,
            "exported": exported, "objective": objective}
