"""The Training tab: live loss curves, progress and ETA of the current run."""
