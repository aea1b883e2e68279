"""Tests of the entry points: configuration, wiring, the process runtime and the tooling around them."""
