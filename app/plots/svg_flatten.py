"""Portable SVG from Qt's generator: shapes drawn with hairline pens lose their group transform.

Qt writes a plot's lines in data coordinates inside a group scaled to the screen (often by very
different factors in x and y) and marks them `vector-effect="non-scaling-stroke"` so the pen
stays one pixel wide. Browsers honour that; ImageMagick's and other simple SVG renderers do not,
and drew every grid line and the zero line as a band hundreds of pixels wide. Mapping such a
group's points through its matrix and dropping the transform draws the same picture everywhere.
Only groups holding nothing but paths and polylines are rewritten; anything else is left as is.
"""

from __future__ import annotations

import re

GROUP = re.compile(r'(<g\b[^>]*?)\s+transform="matrix\(([^)]*)\)"([^>]*>)(.*?)(</g>)', re.S)
CHILD = re.compile(r"<(\w+)\b[^>]*?/>", re.S)
NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
PAIR = re.compile(rf"({NUMBER}),({NUMBER})")
POINTS = re.compile(r'(\s(?:points|d)=")([^"]*)(")')
SHAPES = {"path", "polyline", "polygon"}


def flatten_hairlines(svg: str) -> str:
    return GROUP.sub(_flatten_group, svg)


def _flatten_group(match: re.Match[str]) -> str:
    head, matrix, tail, body, close = match.groups()
    children = CHILD.findall(body)
    if (
        "non-scaling-stroke" not in body
        or not children
        or any(tag not in SHAPES for tag in children)
        or CHILD.sub("", body).strip()  # text or nested groups: keep the transform
        or re.search(r'\sd="[^"]*[AaHhVvSsQqTt]', body)  # only absolute M, L, C, Z are mapped
        or re.search(r'\sd="[^"]*[mlcz]', body)
    ):
        return match.group(0)
    try:
        a, b, c, d, e, f = (float(v) for v in matrix.replace(" ", ",").split(",") if v)
    except ValueError:
        return match.group(0)

    def mapped(pair: re.Match[str]) -> str:
        x, y = float(pair.group(1)), float(pair.group(2))
        return f"{a * x + c * y + e:.6g},{b * x + d * y + f:.6g}"

    body = POINTS.sub(lambda m: m.group(1) + PAIR.sub(mapped, m.group(2)) + m.group(3), body)
    return f"{head}{tail}{body}{close}"
