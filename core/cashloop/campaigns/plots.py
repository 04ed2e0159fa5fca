"""Charts of runs and sweeps with matplotlib (the ``cashloop[plots]`` extra; Agg backend).

Per run: cost per agent per iteration with each decision marked (accepted / rejected) and its
interval, and the parameter trajectories. Per sweep: final cost by cell group with 95 % interval
bars across seeds. Axes are in dollars; SVG output is deterministic (no dates, fixed ids).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cashloop.campaigns.runs import StoredRun
from cashloop.errors import UserError

__all__ = ["FORMATS", "plot_run", "plot_sweep"]

FORMATS = ("png", "svg", "pdf")
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UserError("cashloop plot needs matplotlib: pip install 'cashloop[plots]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {"svg.hashsalt": "cashloop", "svg.fonttype": "none", "font.size": 10, "axes.grid": True,
         "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False}
    )  # fmt: skip
    return plt


def _dollars(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _: dollar_label(v)))


def dollar_label(value: float) -> str:
    """An axis label in dollars: ``-$1,200``, ``$12.50``."""
    sign = "-" if value < 0 else ""
    amount = abs(value)
    return f"{sign}${amount:,.0f}" if amount >= 100 or amount == 0 else f"{sign}${amount:,.2f}"


def _save(fig: Any, path: Path, fmt: str) -> Path:
    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}[
        fmt
    ]
    fig.savefig(path, format=fmt, metadata=metadata, dpi=120, bbox_inches="tight")
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=,-]+", "_", text)


def plot_run(run: StoredRun, out: Path, fmt: str = "png") -> list[Path]:
    """``<run>.costs.<fmt>`` (costs and decisions) and ``<run>.parameters.<fmt>``."""
    plt = _pyplot()
    out.mkdir(parents=True, exist_ok=True)
    stem = _slug(run.run_id)
    written = [_save(_costs_figure(plt, run), out / f"{stem}.costs.{fmt}", fmt)]
    written.append(_save(_parameters_figure(plt, run), out / f"{stem}.parameters.{fmt}", fmt))
    plt.close("all")
    return written


def _costs_figure(plt: Any, run: StoredRun) -> Any:
    done = run.of_type("iteration_complete")
    agents = sorted({a for e in done for a in (e.get("costs_per_agent") or {})})
    fig, (costs, deltas) = plt.subplots(
        2, 1, figsize=(9, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    for i, agent in enumerate(agents):
        colour = _COLOURS[i % len(_COLOURS)]
        xs = [e["iteration"] for e in done if agent in (e.get("costs_per_agent") or {})]
        ys = [e["costs_per_agent"][agent] / 100 for e in done if agent in e["costs_per_agent"]]
        costs.plot(xs, ys, marker="o", markersize=3, color=colour, label=agent, linewidth=1.6)
    costs.set_ylabel("cost per day (USD)")
    costs.set_title(f"{run.run_id}: cost per agent per iteration")
    _dollars(costs)
    for i, agent in enumerate(agents):
        colour = _COLOURS[i % len(_COLOURS)]
        decisions = [d for d in run.of_type("policy_change") if d.get("agent_id") == agent]
        for accepted in (True, False):
            chosen = [d for d in decisions if bool(d.get("accepted")) == accepted]
            if not chosen:
                continue
            xs = [_decision_iteration(d, run) for d in chosen]
            mean = [float(d.get("mean_delta", d.get("delta", 0))) / 100 for d in chosen]
            low = [
                float(d.get("lower_bound", d.get("ci_lower", m * 100))) / 100
                for d, m in zip(chosen, mean, strict=True)
            ]
            high = [
                float(d.get("ci_upper", m * 100)) / 100 for d, m in zip(chosen, mean, strict=True)
            ]
            errors = [[max(0.0, m - lo) for m, lo in zip(mean, low, strict=True)],
                      [max(0.0, h - m) for m, h in zip(mean, high, strict=True)]]  # fmt: skip
            offset = (i - (len(agents) - 1) / 2) * 0.12
            deltas.errorbar(
                [x + offset for x in xs], mean, yerr=errors, fmt="o" if accepted else "x",
                color=colour, ecolor=colour, elinewidth=1, capsize=3, alpha=1 if accepted else 0.55,
                label=f"{agent} {'accepted' if accepted else 'rejected'}",
            )  # fmt: skip
    deltas.axhline(0, color="#555555", linewidth=0.8)
    deltas.set_ylabel("saving of candidate (USD)")
    deltas.set_xlabel("iteration")
    deltas.set_title("decisions: mean paired saving with its interval", fontsize=10)
    _dollars(deltas)
    costs.legend(loc="upper right", frameon=False)
    if deltas.get_legend_handles_labels()[0]:
        deltas.legend(loc="upper right", frameon=False, fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def _decision_iteration(decision: Mapping[str, Any], run: StoredRun) -> int:
    value = decision.get("iteration")
    return int(value) if isinstance(value, int) else 0


def _parameters_figure(plt: Any, run: StoredRun) -> Any:
    done = run.of_type("iteration_complete")
    series: dict[str, tuple[list[int], list[float]]] = {}
    for e in done:
        for agent, policy in sorted((e.get("policies") or {}).items()):
            params = policy.get("parameters") if isinstance(policy, Mapping) else None
            for name, value in sorted((params or {}).items()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    xs, ys = series.setdefault(f"{agent} {name}", ([], []))
                    xs.append(int(e["iteration"]))
                    ys.append(float(value))
    fig, axis = plt.subplots(figsize=(9, 4))
    for i, (label, (xs, ys)) in enumerate(series.items()):
        axis.step(xs, ys, where="post", marker="o", markersize=3, label=label,
                  color=_COLOURS[i % len(_COLOURS)])  # fmt: skip
    axis.set_xlabel("iteration")
    axis.set_ylabel("parameter value")
    axis.set_title(f"{run.run_id}: policy parameters in force after each iteration")
    if series:
        axis.legend(frameon=False, fontsize=8)
    else:
        axis.text(0.5, 0.5, "no numeric parameters", transform=axis.transAxes, ha="center")
    fig.tight_layout()
    return fig


def plot_sweep(name: str, comparison: Mapping[str, Any], out: Path, fmt: str = "png") -> list[Path]:
    """``<sweep>.final-cost.<fmt>``: final cost per cell group, with its 95 % interval."""
    plt = _pyplot()
    out.mkdir(parents=True, exist_ok=True)
    groups: Sequence[Mapping[str, Any]] = comparison["groups"]
    labels = ["\n".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in g["group"].items()) or "all"
              for g in groups]  # fmt: skip
    means, lower, upper = [], [], []
    for g in groups:
        interval = g["final_cost"]
        mean = (interval["mean"] or 0) / 100
        means.append(mean)
        lower.append(0.0 if interval["lower"] is None else max(0.0, mean - interval["lower"] / 100))
        upper.append(0.0 if interval["upper"] is None else max(0.0, interval["upper"] / 100 - mean))
    fig, axis = plt.subplots(figsize=(max(6, 1.6 * len(groups) + 2), 4.5))
    axis.bar(range(len(groups)), means, yerr=[lower, upper], capsize=6, color="#4c78a8",
             edgecolor="#2b4c6f", error_kw={"elinewidth": 1.2})  # fmt: skip
    axis.set_xticks(range(len(groups)), labels, fontsize=9)
    axis.set_ylabel("final cost per day (USD, mean over seeds)")
    axis.set_title(f"sweep {name}: final cost by cell group (95 % interval across seeds)")
    _dollars(axis)
    fig.tight_layout()
    path = _save(fig, out / f"{_slug(name)}.final-cost.{fmt}", fmt)
    plt.close("all")
    return [path]
