"""The Latent codes tab: each digit's code as a picture, and how sparse the codes are."""
