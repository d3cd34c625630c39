"""What the features share: the session (dataset, model, weights, training),
the model thread (workers.py, the one place threads are made), the digit
selection, and the declarations a feature offers the window (features.py).
No widgets here."""
