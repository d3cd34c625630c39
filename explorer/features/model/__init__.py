"""The model dock: architecture, hyperparameters, Train / Pause / Stop, weights."""
