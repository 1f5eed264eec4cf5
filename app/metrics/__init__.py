"""Named business metrics (METRICS_FILE): the catalogue and the time series a metric's query becomes."""
