"""``cashloop ui``: a local, read-only web dashboard over a run store (the ``cashloop[ui]``
extra: Starlette and uvicorn). All assets ship inside this package; nothing is fetched from the
network at run time."""
