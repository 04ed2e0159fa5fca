// Small SVG charts drawn in the browser: lines, intervals and bars, with axes in dollars.
"use strict";

const charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#2f6fde", "#d64545", "#1b8a4b", "#8e5bd6", "#e08a1e", "#1aa3b5", "#8c564b"];

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // About five round tick values covering [lo, hi].
  function ticks(lo, hi, count = 5) {
    if (lo === hi) { lo -= 1; hi += 1; }
    const raw = (hi - lo) / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }

  // Cents as dollars; ``whole`` leaves the cents out (axis ticks that are whole dollars).
  function dollars(cents, whole = false) {
    const v = cents / 100, abs = Math.abs(v), sign = v < 0 ? "-" : "";
    if (abs >= 1e6) return `${sign}$${(abs / 1e6).toFixed(1)}M`;
    if (abs >= 1e4 && whole) return `${sign}$${(abs / 1e3).toFixed(0)}k`;
    const digits = whole ? 0 : 2;
    return `${sign}$${abs.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
  }

  // The frame shared by every chart: scales, grid, axes and labels. Returns {root, x, y}.
  function frame(container, { xs, ys, xLabel, yLabel, money = true, width = 640, height = 300, integerX = true, categories = null }) {
    const margin = { top: 30, right: 16, bottom: 44, left: 72 };
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
    let x0 = Math.min(...xs), x1 = Math.max(...xs);
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (money && y0 > 0 && y0 < (y1 - y0) * 0.8) y0 = 0;
    const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.08;
    y0 -= y0 === 0 ? 0 : pad; y1 += pad;
    const plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom;
    const x = (v) => margin.left + ((v - x0) / (x1 - x0)) * plotW;
    const y = (v) => margin.top + (1 - (v - y0) / (y1 - y0)) * plotH;
    const axis = svg("g", { class: "axis" });
    const yTicks = ticks(y0, y1);
    const whole = yTicks.every((t) => Math.abs(t % 100) < 1e-9);
    for (const t of yTicks) {
      axis.append(svg("line", { class: "gridline", x1: margin.left, x2: width - margin.right, y1: y(t), y2: y(t) }));
      axis.append(svg("text", { x: margin.left - 8, y: y(t) + 4, "text-anchor": "end" }, money ? dollars(t, whole) : +t.toFixed(4)));
    }
    const xTicks = categories ? [] : ticks(x0, x1, Math.min(10, Math.max(2, x1 - x0))).filter((t) => !integerX || Number.isInteger(t));
    for (const t of xTicks) {
      axis.append(svg("line", { x1: x(t), x2: x(t), y1: height - margin.bottom, y2: height - margin.bottom + 4 }));
      axis.append(svg("text", { x: x(t), y: height - margin.bottom + 16, "text-anchor": "middle" }, t));
    }
    axis.append(svg("line", { x1: margin.left, x2: width - margin.right, y1: height - margin.bottom, y2: height - margin.bottom }));
    axis.append(svg("line", { x1: margin.left, x2: margin.left, y1: margin.top, y2: height - margin.bottom }));
    if (xLabel) axis.append(svg("text", { x: margin.left + plotW / 2, y: height - 8, "text-anchor": "middle" }, xLabel));
    if (yLabel) axis.append(svg("text", { x: -(margin.top + plotH / 2), y: 14, transform: "rotate(-90)", "text-anchor": "middle" }, yLabel));
    root.append(axis);
    container.replaceChildren(root);
    return { root, x, y, margin, width, height, y0, y1 };
  }

  function legend(f, items) {
    const g = svg("g", { class: "legend" });
    let offset = f.margin.left + 8;
    for (const { name, colour, hollow } of items) {
      g.append(svg("circle", { cx: offset + 5, cy: 12, r: 4.5, fill: hollow ? "#fff" : colour, stroke: colour, "stroke-width": 2 }));
      g.append(svg("text", { x: offset + 14, y: 16 }, name));
      offset += 24 + name.length * 7;
    }
    f.root.append(g);
  }

  function empty(container, message) {
    container.replaceChildren(Object.assign(document.createElement("div"), { className: "empty", textContent: message }));
  }

  // series: [{name, points: [[x, y]], marks: [{x, y, accepted, title}]}]; y in cents or values.
  function lines(container, series, options = {}) {
    const all = series.flatMap((s) => s.points);
    if (!all.length) return empty(container, options.empty || "no iterations yet");
    const f = frame(container, { xs: all.map((p) => p[0]), ys: all.map((p) => p[1]), ...options });
    series.forEach((s, i) => {
      const colour = s.colour || COLOURS[i % COLOURS.length];
      const path = s.points.map((p, j) => `${j ? "L" : "M"}${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}`).join("");
      f.root.append(svg("path", { d: path, fill: "none", stroke: colour, "stroke-width": 2, "stroke-linejoin": "round", class: "series", "data-name": s.name }));
      for (const p of s.points) {
        const mark = (s.marks || []).find((m) => m.x === p[0]);
        const dot = svg("circle", { cx: f.x(p[0]), cy: f.y(p[1]), r: mark ? 4.5 : 2.5,
          fill: mark && !mark.accepted ? "#fff" : colour, stroke: colour, "stroke-width": mark ? 2 : 1, class: "point" });
        dot.append(svg("title", {}, `${s.name} · iteration ${p[0]} · ${options.money === false ? p[1] : dollars(p[1])}${mark ? " · " + mark.title : ""}`));
        f.root.append(dot);
      }
    });
    legend(f, series.map((s, i) => ({ name: s.name, colour: s.colour || COLOURS[i % COLOURS.length] })));
  }

  // points: [{x, y, lo, hi, accepted, colour, title}] drawn as a dot with its interval bar.
  function intervals(container, points, options = {}) {
    if (!points.length) return empty(container, options.empty || "no decisions yet");
    const ys = points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]).concat([0]);
    const f = frame(container, { xs: points.map((p) => p.x), ys, ...options });
    f.root.append(svg("line", { x1: f.margin.left, x2: f.width - f.margin.right, y1: f.y(0), y2: f.y(0), stroke: "#8a93a3", "stroke-dasharray": "4 3" }));
    for (const p of points) {
      const cx = f.x(p.x) + (p.offset || 0);
      const g = svg("g", { class: `decision ${p.accepted ? "accepted" : "rejected"}` });
      if (p.lo !== null && p.lo !== undefined && p.hi !== null && p.hi !== undefined) {
        g.append(svg("line", { x1: cx, x2: cx, y1: f.y(p.lo), y2: f.y(p.hi), stroke: p.colour, "stroke-width": 1.5, opacity: p.accepted ? 1 : 0.6 }));
        for (const v of [p.lo, p.hi]) g.append(svg("line", { x1: cx - 4, x2: cx + 4, y1: f.y(v), y2: f.y(v), stroke: p.colour, "stroke-width": 1.5, opacity: p.accepted ? 1 : 0.6 }));
      }
      g.append(svg("circle", { cx, cy: f.y(p.y), r: 4.5, fill: p.accepted ? p.colour : "#fff", stroke: p.colour, "stroke-width": 2 }));
      g.append(svg("title", {}, p.title));
      f.root.append(g);
    }
    legend(f, options.legend || []);
  }

  // bars: [{label, y, lo, hi}] with interval whiskers; categories along x.
  function bars(container, items, options = {}) {
    if (!items.length) return empty(container, "no completed cells yet");
    const ys = items.flatMap((b) => [b.y, b.hi ?? b.y, 0]);
    const f = frame(container, { xs: [-0.6, items.length - 0.4], ys, categories: true, width: 1200, height: 340, ...options });
    const width = Math.min(70, (f.x(1) - f.x(0)) * 0.6);
    items.forEach((b, i) => {
      const cx = f.x(i);
      const g = svg("g", { class: "bar" });
      g.append(svg("rect", { x: cx - width / 2, y: f.y(b.y), width, height: Math.max(0, f.y(0) - f.y(b.y)), fill: COLOURS[0], opacity: 0.8, rx: 2 }));
      if (b.lo !== null && b.lo !== undefined) {
        g.append(svg("line", { x1: cx, x2: cx, y1: f.y(b.lo), y2: f.y(b.hi), stroke: "#1d2330", "stroke-width": 1.5 }));
        for (const v of [b.lo, b.hi]) g.append(svg("line", { x1: cx - 8, x2: cx + 8, y1: f.y(v), y2: f.y(v), stroke: "#1d2330", "stroke-width": 1.5 }));
      }
      g.append(svg("title", {}, `${b.label}: ${dollars(b.y)}${b.lo !== null && b.lo !== undefined ? ` [${dollars(b.lo)}, ${dollars(b.hi)}]` : ""}`));
      f.root.append(g);
      f.root.append(svg("text", { x: cx, y: f.height - f.margin.bottom + 16, "text-anchor": "middle", class: "axis", fill: "#667085", "font-size": 11 }, b.label));
    });
  }

  return { lines, intervals, bars, COLOURS, dollars };
})();
