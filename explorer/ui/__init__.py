"""Qt widgets. No maths here beyond formatting: the work is in explorer.core."""
