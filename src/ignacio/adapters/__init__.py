"""Adapters: one package per technology, each implementing ports of the application layer."""
