"""The one way a command names a device: its id or its asset number (``--device 3`` or ``--device 999``), and
several as a comma-separated list of either (``--devices 1,999,asset:3``, ``--route …``).

Asset numbers are often digits (CVD's sample: 999, 666, 5436), so a text that is both one device's id and another's
asset number is ambiguous and refused, with the way out: ``id:3`` or ``asset:3``. The command parsers import this
module to build their arguments, so it loads SQLAlchemy only when a name is looked up (``main.py --help`` stays quick).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import TYPE_CHECKING

from designer.command_outcomes import RequestInvalid

if TYPE_CHECKING:
    from sqlalchemy import Engine

ID_PREFIX = "id:"
ASSET_PREFIX = "asset:"
DEVICE_HELP = "the device: its id or its asset number (id:N or asset:X when one could be read as the other)"
DEVICES_HELP = "devices by id or asset number, separated by commas (id:N or asset:X where one reads as the other)"


def device_list(text: str) -> list[str]:
    """An argparse type: device ids or asset numbers separated by commas, each resolved later by
    :func:`devices_named` (the database is opened after the arguments are read)."""
    names = [part.strip() for part in text.split(",")]
    if not names or not all(names):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of devices; write ids or asset numbers separated by commas, e.g. 1,2,999"
        )
    return names


def devices_named(engine: Engine, texts: Iterable[str]) -> list[int]:
    """The ids of the devices ``texts`` name, in order (each as :func:`device_named` reads it)."""
    return [device_named(engine, text) for text in texts]


def device_named(engine: Engine, text: str) -> int:
    """The id of the device ``text`` names (an id, an asset number, or either prefixed); :class:`RequestInvalid`
    naming the devices there are when none or two match."""
    from sqlalchemy import select

    from storage.tables import Device

    said = text.strip()
    wanted_id: int | None = None
    wanted_asset: str | None = None
    if said.lower().startswith(ID_PREFIX):
        wanted_id = _whole(said[len(ID_PREFIX) :].strip(), said)
    elif said.lower().startswith(ASSET_PREFIX):
        wanted_asset = said[len(ASSET_PREFIX) :].strip()
    else:
        wanted_id = int(said) if said.isdigit() and said.isascii() else None
        wanted_asset = said
    with engine.connect() as connection:
        by_id = None
        if wanted_id is not None:
            by_id = connection.scalar(select(Device.id).where(Device.id == wanted_id))
        by_asset = None
        if wanted_asset:
            by_asset = connection.scalar(select(Device.id).where(Device.asset_number == wanted_asset))
        if by_id is not None and by_asset is not None and by_id != by_asset:
            raise RequestInvalid(
                f"{said!r} is device {by_id}'s id and device {by_asset}'s asset number; write {ID_PREFIX}{said} or "
                f"{ASSET_PREFIX}{said}"
            )
        found = by_id if by_id is not None else by_asset
        if found is not None:
            return found
        devices = connection.execute(select(Device.id, Device.asset_number).order_by(Device.id).limit(13)).all()
    if not devices:
        raise RequestInvalid(f"device {said} is not in this database; it holds no devices")
    listed = ", ".join(f"{device_id} (asset {asset})" for device_id, asset in devices[:12])
    more = ", …" if len(devices) > 12 else ""
    raise RequestInvalid(
        f"device {said} is not in this database (no device has that id or asset number); its devices are {listed}{more}"
    )


def _whole(text: str, said: str) -> int:
    if not (text.isdigit() and text.isascii()):
        raise RequestInvalid(f"{said!r} names no device id; write {ID_PREFIX} and a number, e.g. {ID_PREFIX}3")
    return int(text)
