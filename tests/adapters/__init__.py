"""Tests of adapters against their provider's protocol (real clients, local fakes)."""
