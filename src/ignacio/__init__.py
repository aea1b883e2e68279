"""Ignacio: an AI assistant people reach on WhatsApp and on the web."""
