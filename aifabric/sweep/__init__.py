"""Design-space sweeps: a grid of fabric designs evaluated locally or on Dask, and their Pareto front."""
