"""The desktop app: main window, state, rows table, dialogs (Qt lives here and in app/plots)."""
