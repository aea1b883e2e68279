"""Cryptography adapters: the sealer."""
