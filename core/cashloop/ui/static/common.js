// Shared helpers of the dashboard pages: fetching, formatting, sortable and filterable tables.
"use strict";

const cashloop = (() => {
  async function api(path) {
    const response = await fetch(path, { cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function money(cents) {
    if (cents === null || cents === undefined) return "–";
    const sign = cents < 0 ? "-" : "";
    const abs = Math.abs(Math.round(cents));
    const dollars = Math.floor(abs / 100).toLocaleString("en-US");
    return `${sign}$${dollars}.${String(abs % 100).padStart(2, "0")}`;
  }

  function interval(value) {
    if (!value || value.mean === null || value.mean === undefined) return "–";
    if (value.lower === null || value.lower === undefined) return money(value.mean);
    return `${money(value.mean)} [${money(value.lower)}, ${money(value.upper)}]`;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function badge(status) { return el("span", { class: `badge ${status}`, text: status }); }

  function yesNo(value) {
    if (value === null || value === undefined) return el("span", { class: "muted", text: "–" });
    return el("span", { class: value ? "yes" : "no", text: value ? "yes" : "no" });
  }

  // A table whose columns sort on click and whose rows a text box filters; the sort and the
  // filter survive each refresh with new rows. columns: [{key, label, num, render, value}]
  class Table {
    constructor(container, columns, { filter = false, placeholder = "filter…", empty = "nothing yet" } = {}) {
      this.columns = columns;
      this.sortKey = null;
      this.sortDir = 1;
      this.rows = [];
      this.empty = empty;
      this.root = el("div");
      if (filter) {
        this.filterBox = el("input", { class: "filter", type: "search", placeholder,
                                       oninput: () => this.draw() });
        this.root.append(this.filterBox);
      }
      this.table = el("table");
      this.root.append(this.table);
      container.replaceChildren(this.root);
    }
    value(column, row) { return column.value ? column.value(row) : row[column.key]; }
    update(rows) {
      const key = JSON.stringify(rows);  // redraw only what changed: hovering and selecting survive
      if (key === this.key) return;
      this.key = key;
      this.rows = rows;
      this.draw();
    }
    draw() {
      const head = el("tr", {}, this.columns.map((c) => {
        const th = el("th", { class: `sortable${c.num ? " num" : ""}${this.sortKey === c.key ? (this.sortDir > 0 ? " sorted-asc" : " sorted-desc") : ""}`,
                              text: c.label, "data-key": c.key });
        th.addEventListener("click", () => {
          this.sortDir = this.sortKey === c.key ? -this.sortDir : 1;
          this.sortKey = c.key;
          this.draw();
        });
        return th;
      }));
      let rows = this.rows;
      const needle = this.filterBox ? this.filterBox.value.trim().toLowerCase() : "";
      if (needle) {
        rows = rows.filter((r) => this.columns.some((c) => String(this.value(c, r) ?? "").toLowerCase().includes(needle)));
      }
      if (this.sortKey) {
        const column = this.columns.find((c) => c.key === this.sortKey);
        rows = [...rows].sort((a, b) => {
          const x = this.value(column, a), y = this.value(column, b);
          if (x === y) return 0;
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          return (x < y ? -1 : 1) * this.sortDir;
        });
      }
      const body = rows.length
        ? rows.map((r) => el("tr", {}, this.columns.map((c) =>
            el("td", { class: c.num ? "num" : c.wrap ? "wrap" : null }, c.render ? c.render(r) : (r[c.key] ?? "–")))))
        : [el("tr", {}, el("td", { class: "empty", colspan: this.columns.length, text: this.empty }))];
      this.table.replaceChildren(el("thead", {}, head), el("tbody", {}, body));
    }
  }

  // Calls refresh() now and again after each answer: every `fast` ms while `live()` says the
  // data may still change, every `slow` ms otherwise.
  function poll(refresh, live, fast = 1000, slow = 5000) {
    const indicator = document.getElementById("live");
    async function tick() {
      try {
        await refresh();
        if (indicator) indicator.textContent = live() ? "● live" : "updated " + new Date().toLocaleTimeString();
      } catch (error) {
        if (indicator) indicator.textContent = "⚠ " + error.message;
      }
      setTimeout(tick, live() ? fast : slow);
    }
    tick();
  }

  function param(name) { return new URLSearchParams(window.location.search).get(name); }

  function seconds(value) {
    if (value === null || value === undefined) return "–";
    return value >= 60 ? `${Math.floor(value / 60)}m ${Math.round(value % 60)}s` : `${value.toFixed(1)}s`;
  }

  return { api, money, interval, el, badge, yesNo, Table, poll, param, seconds };
})();
