"""Lesson mode: a lecture as a sequence of steps, each setting the window up (issue 16)."""
