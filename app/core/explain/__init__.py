"""Explaining a model: the exact TreeSHAP engine, model adapters, chunked computation, the
plot-ready views and the distributed (Dask) path."""
