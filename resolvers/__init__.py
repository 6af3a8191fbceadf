"""graph-api."""
