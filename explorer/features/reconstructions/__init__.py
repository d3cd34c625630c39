"""The Reconstructions tab: originals, noisy inputs and reconstructions."""
