"""One module per use case: its command, its result and the class that carries it out."""
