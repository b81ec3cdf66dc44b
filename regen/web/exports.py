"""The export tables, read from the store and shaped by the library adapter."""

from __future__ import annotations

from regen.store import records
from regen.web import forecasts as lib
from regen.web import services

__all__ = ["outcome_table", "scored_table"]


def scored_table(store):
    """Every current treatment (latest cycle per patient and nerve) scored by the active model."""
    with store.read() as conn:
        _, model = services.active_model(conn)
        rows = records.current_forecasts(conn)
    return lib.scored_export([{"clinic_id": r["clinic_id"], "inputs": r["inputs"]} for r in rows], model)


def outcome_table(store):
    """Every treatment with a date and a contact, as an outcome row of ``regen fit``."""
    from sqlalchemy import select

    from regen.store.schema import patients, treatments

    with store.read() as conn:
        query = (
            select(treatments, patients.c.clinic_id)
            .join(patients, patients.c.id == treatments.c.patient_id)
            .order_by(treatments.c.patient_id, treatments.c.nerve, treatments.c.cycle)
        )
        items = [
            {"treatment": dict(r), "clinic_id": r["clinic_id"], "contacts": records.contacts_of(conn, r["id"])}
            for r in conn.execute(query).mappings()
        ]
    return lib.outcome_frame(items)
