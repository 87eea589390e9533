"""What a fitted model remembers of the data it learnt from, to tell cheaply whether that data has changed.

Counts and maxima, mostly on primary keys: a full count of millions of sales would take longer than the check
is worth. New or re-synced rows get new ids, and history is pruned from the oldest, so first and last ids
change whenever the sales do.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from storage.tables import CabinetRecord, Device, PlanogramRecord, ProductRecord, SaleRecord, StockoutRecord


def placement_data_facts(engine: Engine) -> dict[str, list[str]]:
    """What the placement model learns from, as text: first and last sale ids; count, highest id and latest
    restock of the stock-outs; count, highest id and latest activation of the planograms put in force; count,
    highest id and price sum of the products; count and highest id of the devices; count and shapes of the
    cabinets."""
    in_force = PlanogramRecord.activated_at.is_not(None)
    queries = {
        "sales_first": select(func.min(SaleRecord.id)),
        "sales_last": select(func.max(SaleRecord.id)),
        "stockouts": select(func.count(), func.max(StockoutRecord.id), func.max(StockoutRecord.restocked_at)),
        "planograms": select(func.count(), func.max(PlanogramRecord.id), func.max(PlanogramRecord.activated_at)).where(
            in_force
        ),
        "products": select(func.count(), func.max(ProductRecord.id), func.sum(ProductRecord.price)),
        "devices": select(func.count(), func.max(Device.id)),
        "cabinets": select(func.count(), func.sum(CabinetRecord.rows * 100 + CabinetRecord.columns)),
    }
    facts: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for name, query in queries.items():
            facts[name] = [str(value) for value in connection.execute(query).one()]
    return facts


def fleet_history_stamp(engine: Engine) -> tuple[object, ...]:
    """Count and highest id of the sales and of the stock-outs, count of the planograms and their latest change:
    what the fleet's rivals are read from."""
    with engine.connect() as connection:
        return (
            tuple(
                connection.execute(
                    select(func.count(SaleRecord.id), func.max(SaleRecord.id)).select_from(SaleRecord)
                ).one()
            )
            + tuple(connection.execute(select(func.count(StockoutRecord.id), func.max(StockoutRecord.id))).one())
            + tuple(
                connection.execute(select(func.count(PlanogramRecord.id), func.max(PlanogramRecord.updated_at))).one()
            )
        )
