"""Autoencoder Explorer: a desktop lab for the Keras MNIST autoencoders and K-means."""

__version__ = "0.1.0"
