"""What each slot did lately: daily revenue, units and stock-outs, rolled up into ``planogram_performance``.

The window is anchored on the device's latest sale (not the wall clock). Each day of the active
planogram gets one row with the cabinet's totals and, in ``heat_map_data``, the per-slot figures the
designer's history overlays show; rolling up again replaces those days' rows (the seed's UNIQUE key).

Machine audits count beside the sales rows where none of those rows covers their period
(:mod:`storage.audit_sales`' rule): a device known only by its DEX reads shows per-slot units and revenue too.
A period's units and value are spread evenly over its time, so a window or a day holds the share of the period
that falls in it; the window then ends at the later of the latest sale and the latest read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, delete, func, select
from sqlalchemy.orm import Session

from storage.audit_sales import slot_sales
from storage.tables import PlanogramPerformance, PlanogramRecord, SaleRecord, StockoutRecord

WINDOW_DAYS = 28
SLOW_MOVER_UNITS_PER_DAY = 0.2


@dataclass(frozen=True)
class SlotHistory:
    """Per-slot averages over the window, by position label."""

    days: int
    revenue_per_day: dict[str, float]
    units_per_day: dict[str, float]
    stockouts: dict[str, int]


def roll_up(engine: Engine, device_id: int, cabinet_index: int, days: int = WINDOW_DAYS) -> SlotHistory:
    """Compute the window's per-slot history and store the daily roll-ups of the active planogram."""
    audited = [
        period
        for period in slot_sales(engine, device_id, beside_sales_rows=True)
        if period.cabinet_index == cabinet_index and period.position is not None
    ]
    with Session(engine) as session, session.begin():
        latest = session.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device_id))
        if audited:
            last_read = max(period.period_end for period in audited)
            latest = last_read if latest is None else max(latest, last_read)
        if latest is None:
            return SlotHistory(days, {}, {}, {})
        since = latest - timedelta(days=days)
        here = and_(SaleRecord.device_id == device_id, SaleRecord.cabinet_index == cabinet_index)
        rows = session.execute(
            select(
                func.date(SaleRecord.sold_at),
                SaleRecord.position,
                func.sum(SaleRecord.quantity),
                func.sum(SaleRecord.quantity * SaleRecord.unit_price),
            )
            .where(here, SaleRecord.sold_at > since)
            .group_by(func.date(SaleRecord.sold_at), SaleRecord.position)
        ).all()
        outs = session.execute(
            select(func.date(StockoutRecord.sold_out_at), StockoutRecord.position, func.count())
            .where(
                StockoutRecord.device_id == device_id,
                StockoutRecord.cabinet_index == cabinet_index,
                StockoutRecord.sold_out_at > since,
            )
            .group_by(func.date(StockoutRecord.sold_out_at), StockoutRecord.position)
        ).all()
        by_day: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
        units: dict[str, float] = defaultdict(float)
        revenue: dict[str, float] = defaultdict(float)
        stockouts: dict[str, int] = defaultdict(int)
        for day, position, sold, cash in rows:
            by_day[str(day)][position].update(units=float(sold), revenue=round(float(cash), 2))
            units[position] += float(sold)
            revenue[position] += float(cash)
        for period in audited:
            for day, share in _daily_shares(period.period_start, period.period_end, since, latest):
                position = str(period.position)
                sold, cash = period.units * share, float(period.value.amount) * share
                figures = by_day[day][position]
                figures["units"] = round(figures.get("units", 0.0) + sold, 2)
                figures["revenue"] = round(figures.get("revenue", 0.0) + cash, 2)
                units[position] += sold
                revenue[position] += cash
        for day, position, count in outs:
            by_day[str(day)][position]["stockouts"] = int(count)
            stockouts[position] += int(count)
        active = session.scalar(
            select(PlanogramRecord.id).where(
                PlanogramRecord.device_id == device_id,
                PlanogramRecord.cabinet_index == cabinet_index,
                PlanogramRecord.status == "active",
            )
        )
        if active is not None and by_day:
            _store(session, active, by_day)
    return SlotHistory(
        days,
        {p: round(v / days, 2) for p, v in revenue.items()},
        {p: round(v / days, 2) for p, v in units.items()},
        dict(stockouts),
    )


def _daily_shares(start: datetime, end: datetime, since: datetime, until: datetime) -> list[tuple[str, float]]:
    """Each day (ISO date) of the period ``start``–``end`` inside the window ``since``–``until``, and the share of
    the period's time that falls on it."""
    length = (end - start).total_seconds()
    if length <= 0:
        return []
    shares = []
    moment = max(start, since)
    last = min(end, until)
    while moment < last:
        next_day = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time())
        stop = min(next_day, last)
        shares.append((moment.date().isoformat(), (stop - moment).total_seconds() / length))
        moment = stop
    return shares


def _store(session: Session, planogram_id: int, by_day: dict[str, dict[str, dict[str, float]]]) -> None:
    dates = [date.fromisoformat(day) for day in by_day]
    session.execute(
        delete(PlanogramPerformance).where(
            PlanogramPerformance.planogram_id == planogram_id, PlanogramPerformance.performance_date.in_(dates)
        )
    )
    for day, slots in sorted(by_day.items()):
        day_units = sum(s.get("units", 0.0) for s in slots.values())
        session.add(
            PlanogramPerformance(
                planogram_id=planogram_id,
                performance_date=date.fromisoformat(day),
                daily_revenue=round(sum(s.get("revenue", 0.0) for s in slots.values()), 2),
                daily_units=int(day_units),
                stockout_count=int(sum(s.get("stockouts", 0) for s in slots.values())),
                slow_mover_count=sum(1 for s in slots.values() if s.get("units", 0.0) < SLOW_MOVER_UNITS_PER_DAY),
                heat_map_data=json.dumps(slots, sort_keys=True),
                created_at=datetime.combine(date.fromisoformat(day), datetime.min.time()),
            )
        )
