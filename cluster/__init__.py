"""The local Kubernetes control plane: built and run with the standard library only."""
