// One run: live charts, the decision log, LLM calls, the equilibrium report and provenance.
"use strict";
(() => {
  const { api, money, el, badge, yesNo, Table, poll, param, seconds } = cashloop;
  const runId = param("id");
  document.getElementById("title").textContent = runId;
  document.title = `cashloop · ${runId}`;
  let writing = true;

  const decisions = new Table(document.getElementById("decisions"), [
    { key: "iteration", label: "iteration", num: true },
    { key: "agent_id", label: "agent" },
    { key: "accepted", label: "accepted", render: (d) => yesNo(d.accepted) },
    { key: "old_cost", label: "incumbent", num: true, render: (d) => money(d.old_cost) },
    { key: "new_cost", label: "candidate", num: true, render: (d) => money(d.new_cost) },
    { key: "mean_delta", label: "mean saving", num: true, render: (d) => money(d.mean_delta) },
    { key: "lower", label: "bound", num: true, render: (d) => d.lower === null ? "–" : `${money(d.lower)}${d.upper !== null && d.upper !== undefined ? " … " + money(d.upper) : ""}` },
    { key: "p_value", label: "p", num: true, render: (d) => d.p_value === null || d.p_value === undefined ? "–" : d.p_value.toPrecision(3) },
    { key: "samples", label: "samples", num: true },
    { key: "reason", label: "reason", wrap: true },
  ], { filter: true, placeholder: "filter decisions…", empty: "no decisions yet" });

  const calls = new Table(document.getElementById("calls"), [
    { key: "index", label: "#", num: true },
    { key: "iteration", label: "iteration", num: true },
    { key: "agent_id", label: "agent" },
    { key: "attempt", label: "attempt", num: true },
    { key: "model", label: "model", render: (c) => el("span", { class: "mono", text: c.model || "–" }) },
    { key: "prompt_tokens", label: "prompt tokens", num: true },
    { key: "completion_tokens", label: "completion tokens", num: true },
    { key: "latency_seconds", label: "latency", num: true, render: (c) => seconds(c.latency_seconds) },
    { key: "cost_usd", label: "$", num: true, render: (c) => (c.cost_usd || 0).toFixed(4) },
    { key: "outcome", label: "outcome", render: (c) => c.error ? el("span", { class: "no", text: c.outcome || "error", title: c.error }) : (c.outcome || "ok") },
    { key: "show", label: "", render: (c) => el("a", { href: "#call-detail", text: "prompt & answer", onclick: () => showCall(c.index) }) },
  ], { filter: true, placeholder: "filter calls by agent, model…", empty: "no LLM calls (yet)" });

  async function showCall(index) {
    const call = await api(`/api/call?id=${encodeURIComponent(runId)}&n=${index}`);
    const box = document.getElementById("call-detail");
    box.replaceChildren(
      el("h2", { text: `call ${index}: ${call.agent_id}, iteration ${call.iteration}, attempt ${call.attempt}`, style: "margin-top:14px" }),
      el("details", {}, el("summary", { text: "system prompt" }), el("pre", { text: call.system_prompt || "" })),
      el("details", { open: "" }, el("summary", { text: "user prompt" }), el("pre", { text: call.user_prompt || "" })),
      el("details", { open: "" }, el("summary", { text: "answer" }), el("pre", { text: call.raw_response || "" })),
      call.reasoning ? el("details", {}, el("summary", { text: "reasoning" }), el("pre", { text: call.reasoning })) : null,
    );
  }

  function stat(label, value) { return el("div", { class: "stat" }, el("div", { class: "label", text: label }), el("div", { class: "value" }, value)); }

  function drawStats(data) {
    const s = data.summary;
    const progress = data.max_iterations ? `${s.iterations} / ${data.max_iterations}` : String(s.iterations);
    document.getElementById("stats").replaceChildren(
      stat("status", badge(s.status)),
      stat("iterations", progress),
      stat("final cost", money(s.final_cost)),
      stat("best cost", money(s.best_cost)),
      stat("stopped because", s.convergence_reason || (data.being_written ? "running…" : "–")),
      stat("decisions", `${s.accepted} accepted / ${s.decisions}`),
      stat("tokens", s.tokens.toLocaleString("en-US")),
      stat("LLM $", s.usd.toFixed(4)),
      stat("wall time", seconds(s.wall_seconds)),
      stat("seed", String(s.master_seed)),
    );
    const warnings = [];
    if (s.model_changed) warnings.push(`The provider changed model snapshot during this run: ${s.provider_models.join(" → ")}`);
    document.getElementById("warnings").replaceChildren(...warnings.map((w) => el("div", { class: "warning", text: w })));
  }

  function drawCharts(data) {
    const colours = Object.fromEntries(data.agents.map((a, i) => [a, charts.COLOURS[i % charts.COLOURS.length]]));
    charts.lines(document.getElementById("cost-chart"), data.agents.map((agent) => ({
      name: agent, colour: colours[agent],
      points: data.iterations.filter((it) => agent in it.costs).map((it) => [it.iteration, it.costs[agent]]),
      marks: data.decisions.filter((d) => d.agent_id === agent).map((d) => ({ x: d.iteration, accepted: d.accepted, title: d.accepted ? "candidate accepted" : "candidate rejected" })),
    })), { xLabel: "iteration", yLabel: "cost per day" });
    const agentsCount = data.agents.length;
    charts.intervals(document.getElementById("decision-chart"), data.decisions.map((d) => {
      const i = data.agents.indexOf(d.agent_id);
      return {
        x: d.iteration, y: d.mean_delta ?? 0, lo: d.lower, hi: d.upper, accepted: d.accepted,
        colour: colours[d.agent_id] || "#555", offset: (i - (agentsCount - 1) / 2) * 8,
        title: `${d.agent_id} · iteration ${d.iteration} · ${d.accepted ? "accepted" : "rejected"} · saving ${money(d.mean_delta)}${d.samples ? ` · ${d.samples} samples` : ""}`,
      };
    }), { xLabel: "iteration", yLabel: "saving (incumbent − candidate)",
          legend: [...data.agents.map((a) => ({ name: a, colour: colours[a] })), { name: "rejected", colour: "#667085", hollow: true }] });
    charts.lines(document.getElementById("parameter-chart"), Object.entries(data.parameters).map(([name, points]) => ({ name, points })),
      { xLabel: "iteration", yLabel: "value", money: false, empty: "no numeric parameters yet" });
  }

  function drawEquilibrium(data) {
    const box = document.getElementById("equilibrium");
    const eq = data.summary.equilibrium;
    if (!eq) {
      box.replaceChildren(el("div", { class: "muted", text: data.being_written ? "reported when the run ends" : "no equilibrium check in this run" }));
      return;
    }
    const rows = Object.entries(eq.agents).map(([agent, v]) => el("tr", {},
      el("td", { text: agent }), el("td", { class: "num", text: money(v.epsilon) }),
      el("td", { class: "num", text: v.epsilon_lower === null || v.epsilon_lower === undefined ? "–" : `${money(v.epsilon_lower)} … ${money(v.epsilon_upper)}` }),
      el("td", { class: "num", text: v.relative_epsilon === null || v.relative_epsilon === undefined ? "–" : `${(100 * v.relative_epsilon).toFixed(2)} %` }),
      el("td", { class: "num", text: v.samples ?? "–" })));
    box.replaceChildren(
      el("div", {}, "profile passes: ", yesNo(eq.passes), eq.lower_bound_only ? el("span", { class: "muted", text: " (lower bound only)" }) : null),
      el("table", {}, el("thead", {}, el("tr", {}, ["agent", "ε", "interval", "relative", "samples"].map((h) => el("th", { text: h })))), el("tbody", {}, rows)));
  }

  function drawProvenance(data) {
    const p = data.summary.provenance || {};
    const rows = [
      ["model", `${data.summary.model || "–"}${data.summary.provider_models.length ? " (served: " + data.summary.provider_models.join(", ") + ")" : ""}`],
      ["cashloop", p.cashloop_version], ["evaluator", p.evaluator ? `${p.evaluator.name} ${p.evaluator.version || ""}` : null],
      ["config hash", (p.config_hash || "").slice(0, 16)], ["evaluator inputs", ((p.evaluator || {}).inputs_hash || "").slice(0, 16)],
      ["prompt templates", (p.prompt_template_hash || "").slice(0, 16)],
      ["sweep cell", p.sweep ? `${p.sweep.sweep} / ${p.sweep.cell}` : null],
    ].filter(([, v]) => v);
    document.getElementById("provenance").replaceChildren(el("table", {}, el("tbody", {}, rows.map(([k, v]) =>
      el("tr", {}, el("td", { class: "muted", text: k }), el("td", { class: "mono", text: v }))))));
  }

  let lastEvents = -1;
  poll(async () => {
    const data = await api(`/api/run?id=${encodeURIComponent(runId)}`);
    writing = data.being_written;
    drawStats(data);
    if (data.events === lastEvents) return;
    lastEvents = data.events;
    drawCharts(data);
    decisions.update(data.decisions);
    calls.update(data.calls);
    drawEquilibrium(data);
    drawProvenance(data);
  }, () => writing, 1000, 5000);
})();
