"""Small audit files written by hand in tests, wrapped the way machines wrap them."""

from __future__ import annotations

from designer.machine_audits.crc import crc_of_lines

HEADER = ["ID1*SN1*MODEL 1*B1*Lobby**ASSET-7", "ID4*2*840*USD"]


def dex_file(
    body: list[str],
    *,
    header: list[str] | None = None,
    st: bool = True,
    crc: str | None = None,
    eol: str = "\r\n",
    dxs: str = "DXS*SENDER01*VA*V1/1*1",
) -> str:
    """A whole file around ``body``: DXS, ST, the identity header, the body, G85 (correct unless ``crc`` is
    given), SE with the right count, DXE."""
    inner = (["ST*001*0001"] if st else []) + (HEADER if header is None else header) + body
    check = crc if crc is not None else f"{crc_of_lines(line.encode() for line in inner):04X}"
    inner.append(f"G85*{check}")
    if st:
        inner.append(f"SE*{len(inner) + 1}*0001")
    return eol.join([dxs, *inner, "DXE*1*1"]) + eol


def stated_crc(text: str) -> str:
    """The value on a file's G85 line."""
    line = next(line for line in text.splitlines() if line.startswith("G85*"))
    return line.split("*")[1]


def nw_envelopes(text: str, per_envelope: int) -> str:
    """The N&W handheld wrapping: lines grouped into ``<line|line|…>`` envelopes, one envelope per physical line."""
    lines = text.splitlines()
    groups = [lines[start : start + per_envelope] for start in range(0, len(lines), per_envelope)]
    return "\r\n".join("<" + "|".join(group) + ">" for group in groups) + "\r\n"
