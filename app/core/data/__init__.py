"""Reading datasets: format-specific guards used by app.core.data.data_io."""
