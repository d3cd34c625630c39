"""The K-means lab: step the two alternating minimisations of J on the latent codes."""
