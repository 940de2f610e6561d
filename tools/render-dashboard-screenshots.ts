import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { findRepoRoot } from '@app/infra';

/**
 * Draws each dashboard's panels as PNG (docs/observability-<dashboard>.png) from the range data
 * that test/e2e/observability.e2e-spec.ts recorded with the dashboards' own queries on a real
 * Prometheus (.data/test/observability/panels.json). Not Grafana's renderer: the same queries,
 * drawn simply, as evidence that every panel has data.
 *
 *   node dist/tools/render-dashboard-screenshots.js [panels.json]
 */

export interface RecordedPanel {
  dashboard: string;
  panel: string;
  unit: string;
  series: { legend: string; points: [number, number][] }[];
}

const WIDTH = 1400;
const PANEL_W = 680;
const PANEL_H = 260;
const COLORS = ['#73bf69', '#f2495c', '#5794f2', '#ff9830', '#b877d9', '#fade2a', '#8ab8ff', '#ff7383'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function formatValue(value: number, unit: string): string {
  if (unit === 'percentunit') return `${(value * 100).toFixed(0)}%`;
  if (unit === 's') return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(2)} s`;
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function panelSvg(panel: RecordedPanel, x: number, y: number): string {
  const plot = { x: x + 60, y: y + 34, w: PANEL_W - 80, h: PANEL_H - 100 };
  const points = panel.series.flatMap((series) => series.points).filter(([, value]) => Number.isFinite(value));
  const times = points.map(([time]) => time);
  const values = points.map(([, value]) => value);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const top = Math.max(...values, 0) || 1;
  const bottom = Math.min(...values, 0);
  const px = (time: number) => plot.x + ((time - t0) / (t1 - t0 || 1)) * plot.w;
  const py = (value: number) => plot.y + plot.h - ((value - bottom) / (top - bottom || 1)) * plot.h;
  const grid = [0, 0.5, 1]
    .map((fraction) => {
      const value = bottom + (top - bottom) * fraction;
      const lineY = py(value);
      return `<line x1="${plot.x}" y1="${lineY}" x2="${plot.x + plot.w}" y2="${lineY}" stroke="#2c3235"/><text x="${plot.x - 6}" y="${lineY + 4}" fill="#9fa7b3" font-size="11" text-anchor="end">${formatValue(value, panel.unit)}</text>`;
    })
    .join('');
  const lines = panel.series
    .map((series, index) => {
      const path = series.points
        .filter(([, value]) => Number.isFinite(value))
        .map(([time, value], at) => `${at === 0 ? 'M' : 'L'}${px(time).toFixed(1)},${py(value).toFixed(1)}`)
        .join(' ');
      return `<path d="${path}" fill="none" stroke="${COLORS[index % COLORS.length]}" stroke-width="2"/>`;
    })
    .join('');
  const legend = panel.series
    .slice(0, 6)
    .map(
      (series, index) =>
        `<rect x="${x + 14 + (index % 2) * 330}" y="${y + PANEL_H - 56 + Math.floor(index / 2) * 16}" width="10" height="10" fill="${COLORS[index % COLORS.length]}"/><text x="${x + 30 + (index % 2) * 330}" y="${y + PANEL_H - 47 + Math.floor(index / 2) * 16}" fill="#ccccdc" font-size="11">${escape(series.legend.slice(0, 48))}</text>`,
    )
    .join('');
  return (
    `<rect x="${x}" y="${y}" width="${PANEL_W}" height="${PANEL_H}" rx="4" fill="#181b1f" stroke="#2c3235"/>` +
    `<text x="${x + 12}" y="${y + 20}" fill="#ccccdc" font-size="14" font-weight="bold">${escape(panel.panel)}</text>` +
    grid +
    lines +
    legend
  );
}

export function renderDashboard(title: string, panels: RecordedPanel[]): Buffer {
  const rows = Math.ceil(panels.length / 2);
  const height = 60 + rows * (PANEL_H + 16);
  const body = panels
    .map((panel, index) =>
      panelSvg(panel, 16 + (index % 2) * (PANEL_W + 16), 50 + Math.floor(index / 2) * (PANEL_H + 16)),
    )
    .join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="DejaVu Sans">` +
    `<rect width="100%" height="100%" fill="#111217"/>` +
    `<text x="16" y="32" fill="#ccccdc" font-size="20">${escape(title)}</text>` +
    body +
    `</svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

function main(): void {
  const root = findRepoRoot();
  const input = process.argv[2] ?? path.join(root, '.data', 'test', 'observability', 'panels.json');
  const panels = JSON.parse(readFileSync(input, 'utf8')) as RecordedPanel[];
  const byDashboard = new Map<string, RecordedPanel[]>();
  for (const panel of panels) byDashboard.set(panel.dashboard, [...(byDashboard.get(panel.dashboard) ?? []), panel]);
  for (const [title, ofDashboard] of byDashboard) {
    const name = title.endsWith('overview') ? 'overview' : 'workflow';
    const file = path.join(root, 'docs', `observability-${name}.png`);
    writeFileSync(file, renderDashboard(title, ofDashboard));
    process.stdout.write(`wrote ${path.relative(root, file)} (${ofDashboard.length} panels)\n`);
  }
}

if (require.main === module) main();
