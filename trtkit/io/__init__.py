"""File helpers: atomic writes, artifact naming, hashing."""
