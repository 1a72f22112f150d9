"""The pipeline configuration: typed models of the YAML, loading with line numbers, overrides, units."""
