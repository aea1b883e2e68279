"""The application layer: use cases and the ports they depend on. It imports only the domain."""
