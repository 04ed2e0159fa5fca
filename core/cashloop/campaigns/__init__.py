"""Campaigns: sweeps of normal runs over a matrix of config keys, and reading runs back as findings
(compare, export, plot, the web dashboard).

Every cell of a sweep is an ordinary run stored as ``<sweep>/<cell>``; everything here reads runs
through :class:`cashloop.persistence.ExperimentRepository`, so it works on any stored run.
"""
