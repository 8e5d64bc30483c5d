"""Server-side SVG charts (no JavaScript): stacked bars per day, and a funnel of horizontal bars."""

from __future__ import annotations

from datetime import date
from html import escape

PALETTE = ["#2b6cb0", "#38a169", "#d69e2e", "#e53e3e", "#805ad5", "#319795", "#dd6b20", "#718096"]


def traffic_svg(days: list[date], series: dict[str, list[int]], width: int = 900, height: int = 260) -> str:
    left, bottom, top = 40, 40, 10
    plot_h = height - bottom - top
    totals = [sum(v[i] for v in series.values()) for i in range(len(days))]
    peak = max([*totals, 1])
    step = (width - left - 10) / max(len(days), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height + 20 * len(series)}" aria-label="Lưu lượng văn bản theo ngày">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="4" y="{top + 10}" font-size="11">{peak}</text>',
    ]
    for i, d in enumerate(days):
        y = top + plot_h
        for n, values in enumerate(series.values()):
            h = plot_h * values[i] / peak
            if h:
                y -= h
                parts.append(
                    f'<rect x="{left + i * step + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE[n % len(PALETTE)]}"><title>{d:%d/%m}: '
                    f"{values[i]}</title></rect>"
                )
        if i % max(len(days) // 10, 1) == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{top + plot_h + 14}" font-size="10">{d:%d/%m}</text>')
    for n, name in enumerate(series):
        y = height + 20 * n
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{left + 18}" y="{y}" font-size="12">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def funnel_svg(stages: list[tuple[str, int]], width: int = 600) -> str:
    peak = max([n for _, n in stages] + [1])
    row, label_w = 26, 200
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{row * len(stages) + 6}" aria-label="Phễu trạng thái">'
    ]
    for i, (name, n) in enumerate(stages):
        w = (width - label_w - 60) * n / peak
        y = i * row + 4
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="20" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
