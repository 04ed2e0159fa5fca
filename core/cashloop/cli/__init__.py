"""The ``cashloop`` command line (click)."""
