"""Reading datasets: format-specific guards used by app.core.data_io."""
