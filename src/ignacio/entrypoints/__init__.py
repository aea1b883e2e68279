"""Entrypoints: the HTTP app, the command line and the container that composes them."""
