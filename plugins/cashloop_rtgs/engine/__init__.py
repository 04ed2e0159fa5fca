"""The tick engine: static world, per-seed input schedules, and the simulation loop."""
