"""Models of the diensten app."""
