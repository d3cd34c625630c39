"""Maths and Keras code. Nothing in this package imports Qt.

TensorFlow/Keras is imported lazily inside the functions that need it, so that
importing this package (and the UI on top of it) stays fast.
"""
