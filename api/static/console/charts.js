// Small SVG charts: vertical bars (a histogram), horizontal bars (coverage), a line.
// Plain SVG built through the DOM (no style attributes: the CSP allows none); colours
// come from styles.css. Every chart has a text alternative on its container.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

function frame(width, height) {
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart-svg", "aria-hidden": "true", focusable: "false" });
}

/** Vertical bars: items [{label, value}]; the container gets an aria-label summary. */
export function columns(container, items, { summary = "" } = {}) {
  const width = 320;
  const height = 150;
  const bottom = 22;
  const max = Math.max(1, ...items.map((i) => i.value));
  const step = width / Math.max(1, items.length);
  const chart = frame(width, height);
  items.forEach((item, index) => {
    const barHeight = ((height - bottom - 14) * item.value) / max;
    const x = index * step + 2;
    const y = height - bottom - barHeight;
    chart.append(svg("rect", { x, y, width: Math.max(1, step - 4), height: barHeight, class: "chart-bar" }));
    if (item.value) chart.append(svg("text", { x: x + (step - 4) / 2, y: y - 3, class: "chart-value", "text-anchor": "middle" }, item.value));
    if (index % 2 === 0) chart.append(svg("text", { x, y: height - 6, class: "chart-label" }, item.label));
  });
  chart.append(svg("line", { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: "chart-axis" }));
  container.replaceChildren(chart);
  container.setAttribute("aria-label", summary || items.map((i) => `${i.label}: ${i.value}`).join(", "));
}

/** Horizontal bars: items [{label, value, kind}] out of `total`. */
export function bars(container, items, total, { summary = "" } = {}) {
  const width = 320;
  const row = 20;
  const labelWidth = 118;
  const height = Math.max(row, items.length * row + 4);
  const chart = frame(width, height);
  items.forEach((item, index) => {
    const y = index * row + 2;
    const share = total ? item.value / total : 0;
    const barWidth = (width - labelWidth - 44) * share;
    chart.append(svg("text", { x: 0, y: y + 13, class: "chart-label" }, item.label.slice(0, 18)));
    chart.append(svg("rect", { x: labelWidth, y: y + 3, width: width - labelWidth - 44, height: row - 8, class: "chart-track" }));
    chart.append(svg("rect", { x: labelWidth, y: y + 3, width: barWidth, height: row - 8, class: `chart-bar ${item.kind || ""}` }));
    chart.append(svg("text", { x: width - 40, y: y + 13, class: "chart-value" }, `${item.value}/${total}`));
  });
  container.replaceChildren(chart);
  container.setAttribute(
    "aria-label",
    summary || items.map((i) => `${i.label}: ${i.value} of ${total} candidates`).join(", ") || "No skills posted.",
  );
}

/** A line of points [{x, y}] (x ascending), with the last value written out. */
export function line(container, points, { summary = "", unit = "" } = {}) {
  const width = 320;
  const height = 110;
  const pad = 6;
  const chart = frame(width, height);
  if (points.length > 1) {
    const x0 = points[0].x;
    const span = Math.max(1e-9, points[points.length - 1].x - x0);
    const max = Math.max(1e-9, ...points.map((p) => p.y));
    const path = points
      .map((p, i) => {
        const x = pad + ((p.x - x0) / span) * (width - 2 * pad);
        const y = height - pad - 14 - (p.y / max) * (height - 2 * pad - 24);
        return `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(" ");
    chart.append(svg("path", { d: path, class: "chart-line" }));
    chart.append(svg("text", { x: width - pad, y: 14, class: "chart-value", "text-anchor": "end" }, `peak ${max.toFixed(1)}${unit}`));
  }
  chart.append(svg("line", { x1: 0, x2: width, y1: height - pad - 14, y2: height - pad - 14, class: "chart-axis" }));
  container.replaceChildren(chart);
  container.setAttribute("aria-label", summary || "Not enough data yet.");
}
