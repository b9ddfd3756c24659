"""The one layer that wires everything: the CLI, the local stack, the broker launcher, the progress
tracker."""
