// The runs and sweeps page: both tables refresh while runs are written.
"use strict";
(() => {
  const { api, money, el, badge, yesNo, Table, poll } = cashloop;
  const runs = new Table(document.getElementById("runs"), [
    { key: "run_id", label: "run", render: (r) => el("a", { href: `/run?id=${encodeURIComponent(r.run_id)}`, class: "mono", text: r.run_id }) },
    { key: "status", label: "status", render: (r) => badge(r.status) },
    { key: "iterations", label: "iterations", num: true },
    { key: "final_cost", label: "final cost", num: true, render: (r) => money(r.final_cost) },
    { key: "best_cost", label: "best cost", num: true, render: (r) => money(r.best_cost) },
    { key: "converged", label: "converged", render: (r) => yesNo(r.converged) },
    { key: "convergence_reason", label: "stopped because", render: (r) => r.convergence_reason || "–" },
    { key: "master_seed", label: "seed", num: true },
    { key: "updated_at", label: "updated (UTC)", render: (r) => r.updated_at.replace("T", " ").slice(0, 19) },
  ], { filter: true, placeholder: "filter runs by id, status, reason…", empty: "no runs stored yet" });
  runs.sortKey = "updated_at"; runs.sortDir = -1;
  const sweeps = new Table(document.getElementById("sweeps"), [
    { key: "sweep", label: "sweep", render: (s) => el("a", { href: `/sweep?name=${encodeURIComponent(s.sweep)}`, text: s.sweep }) },
    { key: "cells", label: "cells stored", num: true },
    { key: "completed", label: "completed", num: true },
    { key: "running", label: "running", num: true },
    { key: "failed", label: "failed", num: true },
    { key: "interrupted", label: "interrupted", num: true },
    { key: "updated_at", label: "updated (UTC)", render: (s) => s.updated_at.replace("T", " ").slice(0, 19) },
  ]);
  let anyRunning = true;
  poll(async () => {
    const data = await api("/api/runs");
    document.getElementById("database").textContent = data.database;
    runs.update(data.runs);
    sweeps.update(data.sweeps);
    document.getElementById("sweeps-card").hidden = data.sweeps.length === 0;
    anyRunning = data.runs.some((r) => r.status === "running");
  }, () => anyRunning, 1000, 2000);
})();
