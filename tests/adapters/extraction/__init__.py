"""The extraction adapters: type detection from content, text from every document format."""
