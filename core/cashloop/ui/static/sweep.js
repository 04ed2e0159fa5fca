// One sweep: the compare table (cell groups, seeds pooled), its chart and the cells.
"use strict";
(() => {
  const { api, money, interval, el, badge, yesNo, Table, poll, param, seconds } = cashloop;
  const name = param("name");
  document.getElementById("title").textContent = `sweep ${name}`;
  document.title = `cashloop · sweep ${name}`;
  let running = true;
  let compare = null;
  const label = (g) => Object.entries(g.group).map(([k, v]) => `${k.split(".").pop()}=${v}`).join(", ") || "all";

  const cells = new Table(document.getElementById("cells"), [
    { key: "run_id", label: "cell", render: (r) => el("a", { href: `/run?id=${encodeURIComponent(r.run_id)}`, class: "mono", text: r.run_id }) },
    { key: "status", label: "status", render: (r) => badge(r.status) },
    { key: "iterations", label: "iterations", num: true },
    { key: "final_cost", label: "final cost", num: true, render: (r) => money(r.final_cost) },
    { key: "converged", label: "converged", render: (r) => yesNo(r.converged) },
    { key: "convergence_reason", label: "stopped because", render: (r) => r.convergence_reason || "–" },
  ], { filter: true, placeholder: "filter cells…" });

  function drawCompare(result) {
    const agents = [...new Set(result.groups.flatMap((g) => Object.keys(g.final_costs)))].sort();
    const columns = [
      { key: "group", label: "group", value: label, render: label },
      { key: "n", label: "seeds", num: true, value: (g) => g.runs.length, render: (g) => `${g.completed}/${g.runs.length}` },
      { key: "final", label: "final cost", num: true, value: (g) => g.final_cost.mean, render: (g) => interval(g.final_cost) },
      { key: "best", label: "best cost", num: true, value: (g) => g.best_cost.mean, render: (g) => interval(g.best_cost) },
      ...agents.map((a) => ({ key: `agent-${a}`, label: `${a} final`, num: true, value: (g) => (g.final_costs[a] || {}).mean, render: (g) => interval(g.final_costs[a]) })),
      { key: "eps", label: "ε", render: (g) => Object.entries(g.epsilon).map(([a, v]) => `${a} ${money(v.mean)}`).join(", ") || "–" },
      { key: "iters", label: "iterations", num: true, value: (g) => g.iterations.mean, render: (g) => g.iterations.mean === null ? "–" : g.iterations.mean.toFixed(1) },
      { key: "acc", label: "accepted", num: true, value: (g) => g.accepted, render: (g) => `${g.accepted}/${g.decisions}` },
      { key: "fa", label: "false acc. (est.)", num: true, value: (g) => g.false_acceptance_estimate, render: (g) => g.false_acceptance_estimate.toFixed(3) },
      { key: "tokens", label: "tokens", num: true, value: (g) => g.tokens, render: (g) => g.tokens.toLocaleString("en-US") },
      { key: "usd", label: "$", num: true, value: (g) => g.usd, render: (g) => g.usd.toFixed(4) },
      { key: "wall", label: "wall (mean)", num: true, value: (g) => g.wall_seconds.mean, render: (g) => seconds(g.wall_seconds.mean) },
    ];
    if (!compare || compare.columns.length !== columns.length) compare = new Table(document.getElementById("compare"), columns);
    compare.update(result.groups);
    charts.bars(document.getElementById("bar-chart"), result.groups.filter((g) => g.final_cost.mean !== null).map((g) => ({
      label: label(g), y: g.final_cost.mean, lo: g.final_cost.lower, hi: g.final_cost.upper,
    })), { yLabel: "final cost per day" });
    document.getElementById("warnings").replaceChildren(...result.warnings.map((w) => el("div", { class: "warning", text: w })));
  }

  poll(async () => {
    const data = await api(`/api/sweep?name=${encodeURIComponent(name)}`);
    running = data.cells.some((c) => c.status === "running");
    cells.update(data.cells);
    drawCompare(data.compare);
  }, () => running, 1500, 5000);
})();
