"""`python -m ignacio.entrypoints` runs the command line."""

from ignacio.entrypoints.cli import main

raise SystemExit(main())
