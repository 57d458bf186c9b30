"""Drawing a sample for 抽查复核, reproducibly: pure functions of the population, the size and the seed.

Every method first sorts the population by key, so the order in which the database returns rows does not
matter: the same population, method, size and seed always give the same sample, in the same order, on any
machine (Python's `random.Random` with an integer or text seed is stable across versions and platforms).

- simple: `Random(seed).sample` of the sorted population.
- stratified: the size is shared among the strata in proportion to their sizes by the largest-remainder
  method (ties to the stratum named first), then a simple draw in each stratum with the seed "seed:stratum".
- pps (probability proportional to size, here the amount): systematic sampling over cumulative amounts
  with a random start in the first interval; a unit as large as the interval is certain to be drawn, so
  such units are taken first and the rest drawn among the others (no unit is drawn twice).

The size for a rate is rate × N rounded half up (蔡甸: 30% of the departments), at least 1 when N > 0.
"""

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class SamplingError(ValueError):
    pass


@dataclass(frozen=True)
class Unit:
    key: str  # a stable identity: the project code, the department code
    amount: Decimal = Decimal(0)
    stratum: str = ""


def size_for(population: int, *, rate: Decimal | None = None, size: int | None = None) -> int:
    if (rate is None) == (size is None):
        raise SamplingError("须指定抽样比例或样本量之一")
    if size is not None:
        if size < 0:
            raise SamplingError("样本量不能为负数")
        return min(size, population)
    assert rate is not None
    if not Decimal(0) < rate <= Decimal(1):
        raise SamplingError("抽样比例须大于0且不超过1")
    if population == 0:
        return 0
    return max(1, int((rate * population).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def population_hash(units: Sequence[Unit]) -> str:
    """SHA-256 over the sorted keys, amounts and strata: a later draw can show it ran on the same population."""
    text = "\n".join(f"{u.key}|{u.amount.normalize():f}|{u.stratum}" for u in _sorted(units))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sorted(units: Sequence[Unit]) -> list[Unit]:
    keys = [u.key for u in units]
    if len(set(keys)) != len(keys):
        raise SamplingError("总体中有重复的对象")
    return sorted(units, key=lambda u: u.key)


def simple(units: Sequence[Unit], n: int, seed: int | str) -> list[Unit]:
    ordered = _sorted(units)
    return random.Random(seed).sample(ordered, min(n, len(ordered)))


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of `n` among strata of the given sizes by the largest-remainder method;
    the remainders' ties go to the stratum that sorts first. Each share is at most its stratum's size."""
    total = sum(sizes.values())
    n = min(n, total)
    if total == 0:
        return {name: 0 for name in sizes}
    quotas = {name: Decimal(n) * size / total for name, size in sizes.items()}
    shares = {name: int(q) for name, q in quotas.items()}
    left = n - sum(shares.values())
    by_remainder = sorted(sizes, key=lambda name: (-(quotas[name] - shares[name]), name))
    for name in by_remainder[:left]:
        shares[name] += 1
    return shares


def stratified(units: Sequence[Unit], n: int, seed: int | str) -> list[Unit]:
    ordered = _sorted(units)
    strata: dict[str, list[Unit]] = {}
    for u in ordered:
        strata.setdefault(u.stratum, []).append(u)
    shares = allocate({name: len(members) for name, members in strata.items()}, n)
    drawn: list[Unit] = []
    for name in sorted(strata):
        drawn.extend(random.Random(f"{seed}:{name}").sample(strata[name], shares[name]))
    return drawn


def pps(units: Sequence[Unit], n: int, seed: int | str) -> list[Unit]:
    """Systematic PPS over the amounts: certain units first (largest first), then the systematic draw."""
    ordered = _sorted(units)
    if any(u.amount < 0 for u in ordered):
        raise SamplingError("按金额比例抽样时金额不能为负数")
    rest = [u for u in ordered if u.amount > 0]
    n = min(n, len(rest))
    certain: list[Unit] = []
    while n - len(certain) > 0:
        total = sum((u.amount for u in rest), Decimal(0))
        interval = total / (n - len(certain))
        big = sorted((u for u in rest if u.amount >= interval), key=lambda u: (-u.amount, u.key))
        if not big:
            break
        certain.extend(big)
        rest = [u for u in rest if u.amount < interval]
    wanted = n - len(certain)
    if wanted <= 0:
        return certain[:n]
    total = sum((u.amount for u in rest), Decimal(0))
    interval = total / wanted
    start = Decimal(repr(random.Random(seed).random())) * interval
    points = [start + k * interval for k in range(wanted)]
    drawn: list[Unit] = []
    cumulative = Decimal(0)
    i = 0
    for u in rest:
        low, cumulative = cumulative, cumulative + u.amount
        # Every unit is smaller than the interval, so at most one point falls in its range.
        if i < wanted and low <= points[i] < cumulative:
            drawn.append(u)
            i += 1
    return certain + drawn


METHODS = {"simple": simple, "stratified": stratified, "pps": pps}


def draw(method: str, units: Sequence[Unit], n: int, seed: int | str) -> list[Unit]:
    try:
        function = METHODS[method]
    except KeyError as exc:
        raise SamplingError(f"抽样方法“{method}”无效（可选：{'、'.join(METHODS)}）") from exc
    return function(units, n, seed)


def amount_band(amount: Decimal, bounds: Sequence[Decimal]) -> str:
    """The label of the band an amount falls in: bounds are ascending upper limits (exclusive) in 元;
    the last band is open ("500万元及以上")."""
    lower = Decimal(0)
    for bound in bounds:
        if amount < bound:
            return f"{_wan(lower)}–{_wan(bound)}万元"
        lower = bound
    return f"{_wan(lower)}万元及以上"


def _wan(yuan: Decimal) -> str:
    return f"{(yuan / 10000).normalize():f}"
