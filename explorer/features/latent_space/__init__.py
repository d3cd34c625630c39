"""The Latent space tab: decode anywhere on the map, the decoder grid, interpolation, drawing, sliders."""
