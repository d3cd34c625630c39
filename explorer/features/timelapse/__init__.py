"""The Time-lapse tab: the latent space replayed epoch by epoch, with loss, purity and NMI."""
